# What `cmake --install` (and the Debian package, debian/rules) puts where. docs/deploy.md
# lists the tree. agentd finds agent-shim and the seccomp profile beside itself in the build
# tree, else at the LIBEXECDIR and DATADIR paths compiled into it (agent/InstallLayout.h).
install(TARGETS agentd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS agentctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Started by agentd only, never by a person: libexec (FHS 3.0, Debian policy 9.1.1).
install(TARGETS agent-shim RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/agent)

set(AGENT_SHARE ${CMAKE_INSTALL_DATADIR}/agent)
install(FILES profiles/seccomp/default.json profiles/seccomp/NOTICE DESTINATION ${AGENT_SHARE}/seccomp)
install(FILES dashboards/host-overview.json dashboards/container-detail.json dashboards/prometheus-rules.yaml
              dashboards/prometheus.yml dashboards/README.md DESTINATION ${AGENT_SHARE}/dashboards)
install(DIRECTORY dashboards/provisioning DESTINATION ${AGENT_SHARE}/dashboards)

# The config with every key at its default, and a policy directory holding a commented
# example (comments only: the policy loader reads it as no policies).
install(FILES agent/agent.yaml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/agent)
install(FILES deploy/policies.d/example.yaml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/agent/policies.d)

# Debian 12 keeps units in /lib (usrmerge moves them to /usr/lib only in Debian 13).
set(AGENT_SYSTEMD_UNIT_DIR /lib/systemd/system CACHE PATH "Where the systemd unit agentd.service is installed")
install(FILES deploy/agentd.service DESTINATION ${AGENT_SYSTEMD_UNIT_DIR})
install(FILES completion/agentctl.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME agentctl)

if(AGENT_MAN_PAGES)
  find_program(HELP2MAN help2man REQUIRED)
  set(man_dir ${CMAKE_BINARY_DIR}/man)
  # help2man runs the binaries (--help, --version); SOURCE_DATE_EPOCH, which
  # dpkg-buildpackage sets from debian/changelog, fixes the date in the page.
  add_custom_command(
    OUTPUT ${man_dir}/agentd.8
    COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}
    COMMAND ${HELP2MAN} --no-info --section 8 --name "per-host container and cgroup agent"
            --include ${PROJECT_SOURCE_DIR}/man/agentd.h2m --output ${man_dir}/agentd.8 $<TARGET_FILE:agentd>
    DEPENDS agentd ${PROJECT_SOURCE_DIR}/man/agentd.h2m
    VERBATIM)
  add_custom_command(
    OUTPUT ${man_dir}/agentctl.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}
    COMMAND ${HELP2MAN} --no-info --section 1 --name "control a per-host container agent (agentd)"
            --include ${PROJECT_SOURCE_DIR}/man/agentctl.h2m --output ${man_dir}/agentctl.1 $<TARGET_FILE:agentctl>
    DEPENDS agentctl ${PROJECT_SOURCE_DIR}/man/agentctl.h2m
    VERBATIM)
  add_custom_target(man ALL DEPENDS ${man_dir}/agentd.8 ${man_dir}/agentctl.1)
  install(FILES ${man_dir}/agentd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
  install(FILES ${man_dir}/agentctl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
