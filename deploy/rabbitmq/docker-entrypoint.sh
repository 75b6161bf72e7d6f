#!/bin/sh
# The part of the official rabbitmq image's entrypoint that compose.yaml relies on, for the image built from
# deploy/rabbitmq/Containerfile: started as root, it gives a fresh data volume to the rabbitmq user and runs the
# server as that user in the foreground, keeping the environment (RabbitMQ itself reads RABBITMQ_DEFAULT_USER and
# RABBITMQ_DEFAULT_PASS when it creates its first user).
set -eu
if [ "${1:-}" = rabbitmq-server ]; then
  shift
  set -- /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
fi
if [ "$(id -u)" = 0 ]; then
  chown -R rabbitmq:rabbitmq /var/lib/rabbitmq
  cd /var/lib/rabbitmq
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$@"
fi
exec "$@"
