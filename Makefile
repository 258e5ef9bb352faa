# The two commands: `make run` and `make test`. Both install what is missing (apt) and build first.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test bench format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS); \
	fi

build: configure
	@cmake --build $(BUILD_DIR)

# Serves on http://127.0.0.1:8080 with SQLite under ./data and the demo accounts (printed). Builds
# only the server, not the tests and benchmarks.
run: configure
	@cmake --build $(BUILD_DIR) --target tessera
	@$(BUILD_DIR)/tessera --config config/demo.toml init --demo
	@exec $(BUILD_DIR)/tessera --config config/demo.toml serve

# Every test: unit, store (SQLite and a throwaway PostgreSQL), CLI, HTTP integration; then a summary.
test: build
	@scripts/run-tests.sh $(BUILD_DIR)

bench: build
	@scripts/run-benchmarks.sh $(BUILD_DIR)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
