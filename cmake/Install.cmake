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

# The config, every setting of agent/agent.yaml commented out, so agentd's built-in defaults
# apply: a default written into the file would outlive an upgrade that changes it (dpkg keeps a
# conffile the admin did not edit only while it is unchanged), and a setting given turns some
# of agentd's warnings into refusals (a default bridge_subnet that overlaps a host route turns
# bridge networking off; the same subnet written in the file stops agentd). A policy directory
# holding a commented example (comments only: the policy loader reads it as no policies).
file(READ ${PROJECT_SOURCE_DIR}/agent/agent.yaml agent_sample_config)
# The sample's own header (up to its first blank line) is left out: it speaks of the sample.
# Each line gets a leading '#' ("##" becomes "#", a blank line stays blank).
string(FIND "${agent_sample_config}" "\n\n" agent_header_end)
math(EXPR agent_body_start "${agent_header_end} + 2")
string(SUBSTRING "${agent_sample_config}" ${agent_body_start} -1 agent_sample_config)
string(REPLACE "\n" "\n#" agent_commented_config "#${agent_sample_config}")
string(REPLACE "\n##" "\n#" agent_commented_config "${agent_commented_config}")
string(REGEX REPLACE "^##" "#" agent_commented_config "${agent_commented_config}")
string(REPLACE "\n#\n" "\n\n" agent_commented_config "${agent_commented_config}")
string(REPLACE "\n#\n" "\n\n" agent_commented_config "${agent_commented_config}")
string(REGEX REPLACE "\n#$" "\n" agent_commented_config "${agent_commented_config}")
file(WRITE ${CMAKE_BINARY_DIR}/etc/agent.yaml
     "# agentd's config file. Every setting below is commented out: agentd's defaults, as shown,\n"
     "# apply. Uncomment a line to change it, then `systemctl restart agentd` (containers keep\n"
     "# running; docs/deploy.md).\n\n"
     "${agent_commented_config}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/agent/agent.yaml)
install(FILES ${CMAKE_BINARY_DIR}/etc/agent.yaml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/agent)
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
