#include "storage/sql.h"

namespace tessera {

bool SqlRow::is_null(std::size_t column) const {
  return column >= cells_.size() || !cells_[column].has_value();
}

std::string SqlRow::text(std::size_t column) const {
  return is_null(column) ? std::string() : *cells_[column];
}

std::int64_t SqlRow::integer(std::size_t column) const {
  return optional_integer(column).value_or(0);
}

std::optional<std::int64_t> SqlRow::optional_integer(std::size_t column) const {
  if (is_null(column)) return std::nullopt;
  const std::string& cell = *cells_[column];
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size()) return std::nullopt;
  return value;
}

std::vector<std::uint8_t> SqlRow::blob(std::size_t column) const {
  if (is_null(column)) return {};
  const std::string& cell = *cells_[column];
  return std::vector<std::uint8_t>(cell.begin(), cell.end());
}

ConnectionPool::ConnectionPool(Factory factory, std::size_t size,
                               std::chrono::milliseconds wait_timeout)
    : factory_(std::move(factory)),
      free_slots_(size == 0 ? 1 : size),
      wait_timeout_(wait_timeout) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->release(std::move(connection_));
}

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_ptr<SqlConnection> connection;
  {
    std::unique_lock lock(mutex_);
    if (!available_.wait_for(lock, wait_timeout_, [this] { return free_slots_ > 0; })) {
      return unavailable("no database connection came free within " +
                         std::to_string(wait_timeout_.count()) + " ms");
    }
    --free_slots_;
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (connection != nullptr && !connection->healthy()) connection.reset();
  if (connection == nullptr) {
    auto opened = factory_();
    if (!opened.ok()) {
      std::lock_guard lock(mutex_);
      ++free_slots_;
      available_.notify_one();
      return opened.status();
    }
    connection = std::move(opened).value();
  }
  return Lease(this, std::move(connection));
}

void ConnectionPool::release(std::unique_ptr<SqlConnection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->healthy()) idle_.push_back(std::move(connection));
  ++free_slots_;
  available_.notify_one();
}

Status in_transaction(ConnectionPool& pool, const std::function<Status(SqlConnection&)>& work,
                      bool ephemeral) {
  TESSERA_ASSIGN_OR_RETURN(ConnectionPool::Lease connection, pool.acquire());
  TESSERA_RETURN_IF_ERROR(ephemeral ? connection->begin_ephemeral() : connection->begin());
  Status status = work(*connection);
  if (!status.ok()) {
    connection->rollback();
    return status;
  }
  status = connection->commit();
  if (!status.ok()) connection->rollback();
  return status;
}

}  // namespace tessera
