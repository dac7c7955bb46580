#!/usr/bin/env bash
# One-shot (docker-compose service es-setup, in the stock Elasticsearch image): once the cluster
# answers, create the role and user sohoa works with, so the application never holds the
# `elastic` superuser's password. Safe to run again: PUT replaces the role and the user.
set -euo pipefail
: "${ELASTIC_PASSWORD:?}" "${SOHOA_ES_PASSWORD:?}" "${SOHOA_ES_ALIAS:=sohoa-pages}"
es=https://elasticsearch:9200
ca=/usr/share/elasticsearch/config/certs/ca/ca.crt
call() { curl -fsS --cacert "$ca" -u "elastic:${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' "$@"; }
until call "$es/_cluster/health?wait_for_status=yellow&timeout=10s" > /dev/null; do
  echo "waiting for Elasticsearch"; sleep 5
done
# The alias, its class aliases (one index per access class: a search names its scope's alone, and
# Elasticsearch checks privileges on the names a request uses), its versioned indexes
# (<alias>-v8-<class>, <alias>-v8-<class>-<time>), its index template and the near-duplicate lookup.
call -X PUT "$es/_security/role/sohoa_index" -d @- <<JSON
{
  "cluster": ["manage_index_templates", "monitor"],
  "indices": [{"names": ["${SOHOA_ES_ALIAS}", "${SOHOA_ES_ALIAS}-public", "${SOHOA_ES_ALIAS}-conditional", "${SOHOA_ES_ALIAS}-not_accessible", "${SOHOA_ES_ALIAS}-undetermined", "${SOHOA_ES_ALIAS}-v*", "${SOHOA_ES_ALIAS}-fingerprints"], "privileges": ["all"]}]
}
JSON
call -X PUT "$es/_security/user/sohoa" -d @- <<JSON
{"password": "${SOHOA_ES_PASSWORD}", "roles": ["sohoa_index"], "full_name": "sohoa application"}
JSON
echo "user sohoa ready"
