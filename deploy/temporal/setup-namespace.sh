#!/bin/sh
# Runs in the temporal-setup service of docker-compose.yml, on the temporalio/admin-tools image.
# It creates the namespace that the API and the worker use, registers the search attributes that
# deliveries carry, and waits until the frontend accepts queries on them, which shows that it has
# loaded them. Every step is safe to repeat.
#
# The temporal CLI reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE from the environment.
# SEARCH_ATTRIBUTES lists Name=Type pairs separated by spaces, and NAMESPACE_RETENTION is how long
# closed workflows are kept (it applies only when this script creates the namespace).
set -eu

# Retries "$@" once a second, up to 60 times, and fails with the command's last output.
retry() {
  tries=0
  until output=$("$@" 2>&1); do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
      echo "failed after $tries tries: $*" >&2
      echo "$output" >&2
      return 1
    fi
    sleep 1
  done
}

echo "waiting for the Temporal server at $TEMPORAL_ADDRESS"
retry temporal operator cluster health

if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE exists"
else
  echo "creating namespace $TEMPORAL_NAMESPACE, retention $NAMESPACE_RETENTION"
  temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" \
    --retention "$NAMESPACE_RETENTION"
fi

# The frontend caches namespaces, so a new namespace takes a few seconds to be found, and a new
# attribute a few seconds to be queryable. Hence the retries below.

# An attribute that exists with the same type is left as it is. One with another type fails here.
set --
for pair in $SEARCH_ATTRIBUTES; do
  set -- "$@" --name "${pair%%=*}" --type "${pair#*=}"
done
echo "registering search attributes: $SEARCH_ATTRIBUTES"
retry temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" "$@"

for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  retry temporal workflow count --namespace "$TEMPORAL_NAMESPACE" --query "$name = 'probe'"
done
echo "namespace $TEMPORAL_NAMESPACE is ready with its search attributes"
