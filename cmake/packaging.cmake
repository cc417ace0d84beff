# --- package (issue 8, part 3): install layout and the Debian package (CPack DEB) ---
#
#   installed                             from
#   PREFIX/bin/mamori                     the binary (finds the rest from its own location)
#   PREFIX/share/mamori/web/              web/dist (scripts/build.sh builds it)
#   PREFIX/share/mamori/policy/kobe.yaml  policy/ (the default pack; init copies it)
#   SYSCONFDIR/mamori/mamori.yaml         packaging/mamori.yaml (the service config; a conffile)
#   PREFIX/lib/systemd/system/mamori.service, PREFIX/lib/sysusers.d/mamori.conf
#   PREFIX/share/doc/mamori/              install.md, operations.md, config.example.yaml, ...
#
# The prefix defaults to /usr, the Debian layout the unit and the package use (SYSCONFDIR is then
# /etc). `cmake --install build --strip` installs it; `cpack -G DEB` in build/ packages it.
include(GNUInstallDirs)

# The build tree mirrors share/mamori, so build/mamori finds the web app and the pack as an
# installed binary does (cli/install_paths.cpp); nothing of the source tree is compiled in.
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/share/mamori)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/web/dist ${PROJECT_BINARY_DIR}/share/mamori/web SYMBOLIC)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/policy ${PROJECT_BINARY_DIR}/share/mamori/policy SYMBOLIC)

install(TARGETS mamori RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# A package without its web app would serve the API only: refuse to install one.
install(CODE "if(NOT EXISTS \"${PROJECT_SOURCE_DIR}/web/dist/index.html\")
  message(FATAL_ERROR \"web/dist is not built: run scripts/build.sh first\")
endif()")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/dist/ DESTINATION ${CMAKE_INSTALL_DATADIR}/mamori/web)
install(FILES ${PROJECT_SOURCE_DIR}/policy/kobe.yaml DESTINATION ${CMAKE_INSTALL_DATADIR}/mamori/policy)

configure_file(${PROJECT_SOURCE_DIR}/packaging/mamori.service.in ${PROJECT_BINARY_DIR}/packaging/mamori.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/mamori.service DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sysusers.conf DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d
        RENAME mamori.conf)
# Shipped 0644 (it holds no secret); postinst makes it root:mamori 0640 once the group exists.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/mamori.yaml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/mamori)
# Debian wants the copyright and a (compressed, reproducible) changelog beside the docs.
execute_process(COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/changelog
                OUTPUT_FILE ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${PROJECT_BINARY_DIR}/packaging/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
execute_process(COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/mamori.1
                OUTPUT_FILE ${PROJECT_BINARY_DIR}/packaging/mamori.1.gz)
install(FILES ${PROJECT_BINARY_DIR}/packaging/mamori.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/docs/install.md ${PROJECT_SOURCE_DIR}/docs/operations.md
              ${PROJECT_SOURCE_DIR}/docs/operation_log.md ${PROJECT_SOURCE_DIR}/docs/policy_pack.md
              ${PROJECT_SOURCE_DIR}/src/config/config.example.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mamori)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "mamori maintainers <mamori@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "information security policy platform for Japanese local governments")
string(CONCAT CPACK_PACKAGE_DESCRIPTION "mamori runs a municipality's information security policy:\n"
       "asset register, requests and approvals, incidents, ID administration\n"
       "and a signed operation log, with a web UI in Japanese and English.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Shared libraries by dpkg-shlibdeps; then what mamori runs or reads: systemd-sysusers and the
# unit (systemd), the breached-password list serve loads (john-data), the words libpwquality
# checks against (cracklib-runtime).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, john-data, cracklib-runtime")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, haproxy")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm ${PROJECT_SOURCE_DIR}/packaging/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
# --- end package ---
