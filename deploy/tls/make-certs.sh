#!/usr/bin/env bash
# Makes a local certificate authority and one certificate per cfgserver peer, for TLS on the
# REST API (Dropwizard's https connector) and on the Raft transport (Ratis gRPC, mutual TLS).
#
#   deploy/tls/make-certs.sh DIR [PEER...]        (default peers: p1 p2 p3)
#
# In DIR:
#   ca.pem, ca-key.pem          the CA (kept and reused when DIR already has one: add peers later
#                               with the same CA); ca-key.pem signs, never give it to a peer
#   PEER.pem, PEER-key.pem      the peer's certificate and its PKCS#8 key (registry.tls: certFile,
#                               keyFile); SAN IP:127.0.0.1 and DNS:localhost (plus CFGSERVER_TLS_SAN),
#                               usable as server and as client (peers authenticate each other)
#   PEER.p12                    the same key and certificate as a PKCS12 keystore (server:
#                               applicationConnectors: type: https, keyStorePath)
#   truststore.p12              the CA alone as a PKCS12 truststore, for Java clients that want one
# Keystore password: CFGSERVER_TLS_PASSWORD (default changeit). Certificates last
# CFGSERVER_TLS_DAYS (default 825) days. Existing peer files are kept; delete them to renew.
# Needs openssl (Debian package openssl) and keytool (any JDK).
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    [ $# -ge 1 ] && exit 0 || exit 2
fi
for tool in openssl keytool; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "make-certs: $tool is missing (openssl: apt-get install openssl; keytool: a JDK)" >&2
        exit 2
    fi
done

dir="$1"
shift
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(p1 p2 p3)
password="${CFGSERVER_TLS_PASSWORD:-changeit}"
days="${CFGSERVER_TLS_DAYS:-825}"
san="IP:127.0.0.1,DNS:localhost${CFGSERVER_TLS_SAN:+,$CFGSERVER_TLS_SAN}"
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca-key.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
        -subj "/CN=cfgserver local CA $(date -u +%Y%m%dT%H%M%SZ)" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
    echo "make-certs: new CA $dir/ca.pem"
fi

for peer in "${peers[@]}"; do
    case "$peer" in
        *[!A-Za-z0-9_.-]* | "") echo "make-certs: peer id '$peer' is invalid" >&2; exit 2 ;;
    esac
    if [ -f "$dir/$peer.pem" ] && [ -f "$dir/$peer-key.pem" ] && [ -f "$dir/$peer.p12" ]; then
        echo "make-certs: $dir/$peer.pem exists, kept"
        continue
    fi
    ext="$(mktemp)"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" >"$ext"
    # genpkey writes PKCS#8 ("BEGIN PRIVATE KEY"), the form Ratis (Netty) reads
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/$peer-key.pem" 2>/dev/null
    openssl req -new -key "$dir/$peer-key.pem" -subj "/CN=cfgserver $peer" -out "$dir/$peer.csr"
    openssl x509 -req -in "$dir/$peer.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
        -days "$days" -sha256 -extfile "$ext" -out "$dir/$peer.pem" 2>/dev/null
    rm -f "$ext" "$dir/$peer.csr"
    openssl pkcs12 -export -name "$peer" -inkey "$dir/$peer-key.pem" -in "$dir/$peer.pem" -certfile "$dir/ca.pem" \
        -passout "pass:$password" -out "$dir/$peer.p12"
    echo "make-certs: $dir/$peer.pem, $dir/$peer-key.pem, $dir/$peer.p12"
done

if [ ! -f "$dir/truststore.p12" ]; then
    if ! out="$(keytool -importcert -noprompt -alias cfgserver-ca -file "$dir/ca.pem" \
        -keystore "$dir/truststore.p12" -storetype PKCS12 -storepass "$password" 2>&1)"; then
        echo "$out" >&2
        exit 1
    fi
    echo "make-certs: $dir/truststore.p12"
fi
# the certificates are public; the keys and keystores stay readable by the owner only
chmod 644 "$dir/ca.pem" "$dir/truststore.p12"
for peer in "${peers[@]}"; do
    chmod 644 "$dir/$peer.pem"
done
