#!/usr/bin/env bash
# One-shot (docker-compose service es-certs, in the stock Elasticsearch image, as root): a CA and
# a certificate for the node `elasticsearch`, written once into the shared `certs` volume.
# The CA certificate is world-readable (it is public); the node key is readable by Elasticsearch
# only (uid 1000, group 0).
set -euo pipefail
cd /usr/share/elasticsearch
certs=config/certs
if [ ! -f "$certs/ca/ca.crt" ]; then
  echo "creating the CA"
  bin/elasticsearch-certutil ca --silent --pem -out "$certs/ca.zip"
  unzip -o -q "$certs/ca.zip" -d "$certs"
fi
if [ ! -f "$certs/elasticsearch/elasticsearch.crt" ]; then
  echo "creating the node certificate"
  cat > "$certs/instances.yml" <<YAML
instances:
  - name: elasticsearch
    dns: [elasticsearch, localhost]
    ip: [127.0.0.1]
YAML
  bin/elasticsearch-certutil cert --silent --pem -out "$certs/certs.zip" \
    --in "$certs/instances.yml" --ca-cert "$certs/ca/ca.crt" --ca-key "$certs/ca/ca.key"
  unzip -o -q "$certs/certs.zip" -d "$certs"
fi
chown -R root:root "$certs"
find "$certs" -type d -exec chmod 755 {} +
find "$certs" -type f -exec chmod 640 {} +
chmod 644 "$certs/ca/ca.crt"
echo "certificates ready"
