#!/usr/bin/env bash
# elasticsearch-setup, run in the Elasticsearch image by both bundles (the
# one-shot elasticsearch-setup service of compose.yaml; the setup container of
# the Kubernetes Elasticsearch pod, from the ConfigMap elasticsearch-setup):
# sets the password of the built-in kibana_system user, creates least-privilege
# roles and users for Logstash (writes logs-nodekit-*), Grafana (reads logs-*)
# and the Prometheus exporter (monitoring APIs only), and installs the
# logs-nodekit-* data stream template with an ILM policy that deletes logs after
# LOG_RETENTION_DAYS days. Every call is idempotent, so it runs on every `up`
# and every pod start. No password is printed or put on a command line.
# With JAEGER_WRITER_PASSWORD (the Kubernetes overlays whose Jaeger stores traces
# here) it also creates Jaeger's writer and deletes Jaeger's daily indices older
# than TRACE_RETENTION_DAYS, as jaeger-es-index-cleaner would: run it daily.
set -euo pipefail

: "${ELASTICSEARCH_URL:?}" "${ELASTIC_PASSWORD:?}" "${KIBANA_SYSTEM_PASSWORD:?}" "${LOGSTASH_WRITER_PASSWORD:?}"
: "${GRAFANA_ES_PASSWORD:?}" "${ES_EXPORTER_PASSWORD:?}"
RETENTION_DAYS="${LOG_RETENTION_DAYS:-7}"
[[ "$RETENTION_DAYS" =~ ^[1-9][0-9]*$ ]] || { echo "LOG_RETENTION_DAYS must be a whole number of days, got '$RETENTION_DAYS'" >&2; exit 2; }
TRACE_DAYS="${TRACE_RETENTION_DAYS:-7}"
[[ "$TRACE_DAYS" =~ ^[1-9][0-9]*$ ]] || { echo "TRACE_RETENTION_DAYS must be a whole number of days, got '$TRACE_DAYS'" >&2; exit 2; }

# The superuser's credentials go to curl through a config file only this process can read.
umask 077
CURL_CONFIG="$(mktemp)"
trap 'rm -f "$CURL_CONFIG"' EXIT
printf 'user = "elastic:%s"\n' "$(printf '%s' "$ELASTIC_PASSWORD" | sed 's/[\\"]/\\&/g')" > "$CURL_CONFIG"

# A JSON string literal of $1.
json() { printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"; }

# es METHOD PATH BODY: fails the setup on any non-2xx answer.
es() {
  local method="$1" path="$2" body="${3:-}" data=()
  [[ -n "$body" ]] && data=(--data-binary @-)
  echo "$method $path"
  curl -fsS -K "$CURL_CONFIG" -X "$method" -H 'Content-Type: application/json' \
    --retry 10 --retry-delay 3 --retry-connrefused \
    "${data[@]}" "$ELASTICSEARCH_URL$path" <<<"$body" >/dev/null
}

es POST /_security/user/kibana_system/_password "{\"password\": $(json "$KIBANA_SYSTEM_PASSWORD")}"

es PUT /_ilm/policy/nodekit-logs "{
  \"policy\": {
    \"phases\": {
      \"hot\": { \"actions\": { \"rollover\": { \"max_age\": \"1d\", \"max_primary_shard_size\": \"10gb\" } } },
      \"delete\": { \"min_age\": \"${RETENTION_DAYS}d\", \"actions\": { \"delete\": {} } }
    }
  }
}"

# Above the built-in logs-*-* template (priority 100), with its ECS mappings.
es PUT /_index_template/logs-nodekit "{
  \"index_patterns\": [\"logs-nodekit-*\"],
  \"data_stream\": {},
  \"priority\": 200,
  \"composed_of\": [\"logs@mappings\", \"logs@settings\", \"ecs@mappings\"],
  \"template\": { \"settings\": { \"index.lifecycle.name\": \"nodekit-logs\", \"number_of_replicas\": 0 } },
  \"_meta\": { \"managed_by\": \"node-observability-kit elasticsearch/setup.sh\" }
}"

es PUT /_security/role/nodekit_logstash_writer '{
  "cluster": ["monitor"],
  "indices": [{ "names": ["logs-nodekit-*"], "privileges": ["create_doc", "auto_configure", "view_index_metadata"] }]
}'
# Grafana reads the cluster's version (GET /) to pick its query dialect: the cluster privilege monitor.
es PUT /_security/role/nodekit_logs_reader '{
  "cluster": ["monitor"],
  "indices": [{ "names": ["logs-*"], "privileges": ["read", "view_index_metadata"] }]
}'
# The ILM collector calls GET /_all/_ilm/explain, which needs view_index_metadata on the indices.
es PUT /_security/role/nodekit_es_exporter '{
  "cluster": ["monitor", "read_ilm"],
  "indices": [{ "names": ["*"], "privileges": ["monitor", "view_index_metadata"] }]
}'

es PUT /_security/user/logstash_writer "{\"password\": $(json "$LOGSTASH_WRITER_PASSWORD"), \"roles\": [\"nodekit_logstash_writer\"], \"full_name\": \"Logstash pipeline\"}"
# Kibana users sign in as elastic (or users made in Kibana); Grafana's datasource uses this one.
es PUT /_security/user/grafana_reader "{\"password\": $(json "$GRAFANA_ES_PASSWORD"), \"roles\": [\"nodekit_logs_reader\"], \"full_name\": \"Grafana datasource\"}"
es PUT /_security/user/es_exporter "{\"password\": $(json "$ES_EXPORTER_PASSWORD"), \"roles\": [\"nodekit_es_exporter\"], \"full_name\": \"Prometheus elasticsearch-exporter\"}"

if [[ -n "${JAEGER_WRITER_PASSWORD:-}" ]]; then
  # Jaeger writes daily jaeger-span-*/jaeger-service-* indices and installs their templates (create_mappings).
  es PUT /_security/role/nodekit_jaeger_writer '{
  "cluster": ["monitor", "manage_index_templates"],
  "indices": [{ "names": ["jaeger-*"], "privileges": ["create_index", "index", "read", "view_index_metadata"] }]
}'
  es PUT /_security/user/jaeger_writer "{\"password\": $(json "$JAEGER_WRITER_PASSWORD"), \"roles\": [\"nodekit_jaeger_writer\"], \"full_name\": \"Jaeger trace storage\"}"
  # Retention: Jaeger's index names carry their day (jaeger-span-2026-01-31); ILM cannot follow them without rollover aliases.
  cutoff="$(date -u -d "-${TRACE_DAYS} days" +%Y-%m-%d)"
  indices="$(curl -fsS -K "$CURL_CONFIG" --retry 10 --retry-delay 3 --retry-connrefused "$ELASTICSEARCH_URL/_cat/indices/jaeger-*?h=index")"
  for index in $indices; do
    if [[ "$index" =~ ^jaeger-(span|service|dependencies|sampling)-([0-9]{4}-[0-9]{2}-[0-9]{2})$ && "${BASH_REMATCH[2]}" < "$cutoff" ]]; then
      es DELETE "/$index"
    fi
  done
fi

echo "elasticsearch-setup: done (logs kept ${RETENTION_DAYS} days)"
