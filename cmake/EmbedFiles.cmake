# embed_files(TARGET NAMESPACE ns FUNCTION fn FILES a b ...)
# Generates a C++ source defining `std::string_view ns::fn(std::string_view name)` that returns the
# contents of one of FILES (by file name without directory) or an empty view, plus
# `std::span<const std::string_view> ns::fn_names()` listing the names in the given order.
# The file contents are regenerated whenever an input changes.
function(embed_files target)
  cmake_parse_arguments(EMBED "" "NAMESPACE;FUNCTION" "FILES" ${ARGN})
  set(output "${CMAKE_CURRENT_BINARY_DIR}/${EMBED_FUNCTION}_embedded.cc")
  set(absolute_files)
  foreach(file IN LISTS EMBED_FILES)
    get_filename_component(absolute "${file}" ABSOLUTE)
    list(APPEND absolute_files "${absolute}")
  endforeach()
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} "-DOUTPUT=${output}" "-DNAMESPACE=${EMBED_NAMESPACE}"
            "-DFUNCTION=${EMBED_FUNCTION}" "-DFILES=${absolute_files}"
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    DEPENDS ${absolute_files} "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    COMMENT "Embedding ${EMBED_FUNCTION}"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
endfunction()
