# The files image with a config: Entrypoint + Cmd, Env, WorkingDir, User, Labels, a port.
FROM agent-e2e-files:v1
ENV GREETING=hi
WORKDIR /tmp
USER nobody
LABEL team=core
EXPOSE 8080/tcp
ENTRYPOINT ["/bin/sh", "-c", "echo \"$GREETING from $(pwd) as $(id -u):$(id -g) with $*\"; cat /etc/app/link2", "entry"]
CMD ["one", "two"]
