# `cmake --install` puts the headers, both libraries and a config package under the prefix,
# so that another project does find_package(sapwood CONFIG REQUIRED) and links
# sapwood::sapwood (shared) or sapwood::sapwood_static.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_sapwood_targets sapwood_core)
if(TARGET sapwood_shared)
  list(APPEND _sapwood_targets sapwood_shared)
endif()

install(TARGETS ${_sapwood_targets} EXPORT sapwoodTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/cpp/include/sapwood DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(_sapwood_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sapwood)
install(EXPORT sapwoodTargets NAMESPACE sapwood:: DESTINATION ${_sapwood_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cpp/cmake/sapwoodConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sapwoodConfig.cmake INSTALL_DESTINATION ${_sapwood_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sapwoodConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sapwoodConfig.cmake ${PROJECT_BINARY_DIR}/sapwoodConfigVersion.cmake
  DESTINATION ${_sapwood_cmake_dir})
