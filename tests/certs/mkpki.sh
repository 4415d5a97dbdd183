#!/bin/sh
# mkpki.sh OUTDIR: a throw-away PKI for the integration tests, made fresh at
# test time so nothing in the tree expires.
#
#   root (EC P-256) -> intermediate (EC P-256) -> leaves for "localhost"
#   client-ca (EC P-256) -> client (clientAuth)
#
# Files (PEM) in OUTDIR:
#   root.pem root.key            trust anchor for --ca-file
#   inter.pem inter.key          intermediate CA
#   <leaf>.pem <leaf>.key        one certificate each, issued by inter unless noted
#   <leaf>-fullchain.pem         leaf + intermediate (what a server should send)
#     leaf        RSA-2048, SAN DNS:localhost, IP:127.0.0.1, IP:::1
#     ecdsa       EC P-256, same SANs
#     ed25519     Ed25519, same SANs
#     expired     valid 2020-01-01 .. 2021-01-01
#     notyet      valid from ten years from now
#     wronghost   SAN only DNS:wrong.example
#     rsa1024     RSA-1024 key
#     sha1        signed with ECDSA-SHA1
#     selfsigned  self-signed, no issuer (no -fullchain file)
#   leaf-only.pem                leaf alone (missing intermediate)
#   wrong-order.pem              leaf, root, intermediate (not in issuing order)
#   with-root.pem                leaf, intermediate, root
#   client-ca.pem client-ca.key  CA named in CertificateRequest
#   client.pem client.key        client certificate issued by client-ca
#
# Idempotent: a complete OUTDIR (marked by .complete) is left alone; an
# incomplete one is rebuilt. Needs certtool (gnutls-bin).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
if [ -f "$out/.complete" ]; then
    exit 0
fi
command -v certtool >/dev/null 2>&1 || {
    echo "mkpki.sh: certtool not found (apt-get install gnutls-bin)" >&2
    exit 77
}
mkdir -p "$out"
rm -f "$out"/*.pem "$out"/*.key "$out"/*.tmpl
cd "$out"

# certtool prints the certificate on stdout and chatter on stderr.
ct() {
    certtool "$@" 2>certtool.log || {
        cat certtool.log >&2
        exit 1
    }
}

ec_key() { ct --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$1.key"; }
rsa_key() { ct --generate-privkey --key-type=rsa --bits="$2" --outfile "$1.key"; }

# tmpl NAME CN [extra template lines...]
tmpl() {
    name=$1 cn=$2
    shift 2
    {
        echo "cn = \"$cn\""
        echo "organization = \"tlsprobe tests\""
        for line in "$@"; do echo "$line"; done
    } >"$name.tmpl"
}

ca_tmpl() {
    tmpl "$1" "$2" "ca" "cert_signing_key" "crl_signing_key" "expiration_days = 3650"
}

server_tmpl() {
    name=$1
    shift
    tmpl "$name" "localhost" "tls_www_server" "signing_key" "encryption_key" "$@"
}

localhost_sans='dns_name = "localhost"
ip_address = "127.0.0.1"
ip_address = "::1"'

# issue NAME ISSUER [certtool options...]: sign NAME.key with ISSUER.
issue() {
    name=$1 issuer=$2
    shift 2
    ct --generate-certificate --load-privkey "$name.key" --load-ca-certificate "$issuer.pem" \
        --load-ca-privkey "$issuer.key" --template "$name.tmpl" --outfile "$name.pem" "$@"
}

# CAs
ec_key root
ca_tmpl root "tlsprobe test root CA"
ct --generate-self-signed --load-privkey root.key --template root.tmpl --outfile root.pem

ec_key inter
ca_tmpl inter "tlsprobe test intermediate CA"
echo "path_len = 0" >>inter.tmpl
issue inter root

ec_key client-ca
ca_tmpl client-ca "tlsprobe test client CA"
ct --generate-self-signed --load-privkey client-ca.key --template client-ca.tmpl \
    --outfile client-ca.pem

# Server leaves issued by the intermediate.
rsa_key leaf 2048
server_tmpl leaf "$localhost_sans" "expiration_days = 365"
issue leaf inter

ec_key ecdsa
server_tmpl ecdsa "$localhost_sans" "expiration_days = 365"
issue ecdsa inter

ct --generate-privkey --key-type=ed25519 --outfile ed25519.key
# No keyEncipherment: an EdDSA key only signs (RFC 8410 Sec. 5).
tmpl ed25519 "localhost" "tls_www_server" "signing_key" "$localhost_sans" "expiration_days = 365"
issue ed25519 inter

ec_key expired
server_tmpl expired "$localhost_sans" 'activation_date = "2020-01-01 00:00:00 UTC"' \
    'expiration_date = "2021-01-01 00:00:00 UTC"'
issue expired inter

ec_key notyet
notyet_from=$(($(date +%Y) + 10))
server_tmpl notyet "$localhost_sans" "activation_date = \"$notyet_from-01-01 00:00:00 UTC\"" \
    "expiration_date = \"$((notyet_from + 1))-01-01 00:00:00 UTC\""
issue notyet inter

ec_key wronghost
tmpl wronghost "wrong.example" "tls_www_server" "signing_key" 'dns_name = "wrong.example"' \
    "expiration_days = 365"
issue wronghost inter

rsa_key rsa1024 1024
server_tmpl rsa1024 "$localhost_sans" "expiration_days = 365"
issue rsa1024 inter

ec_key sha1
server_tmpl sha1 "$localhost_sans" "expiration_days = 365"
issue sha1 inter --hash=SHA1

ec_key selfsigned
server_tmpl selfsigned "$localhost_sans" "expiration_days = 365"
ct --generate-self-signed --load-privkey selfsigned.key --template selfsigned.tmpl \
    --outfile selfsigned.pem

# Client certificate for client-auth tests.
ec_key client
tmpl client "tlsprobe test client" "tls_www_client" "signing_key" "expiration_days = 365"
issue client client-ca

# Bundles. certtool writes a text dump before the PEM block only with -i, so
# the .pem files hold nothing but the PEM.
for name in leaf ecdsa ed25519 expired notyet wronghost rsa1024 sha1; do
    cat "$name.pem" inter.pem >"$name-fullchain.pem"
done
cp leaf.pem leaf-only.pem
cat leaf.pem root.pem inter.pem >wrong-order.pem
cat leaf.pem inter.pem root.pem >with-root.pem

rm -f ./*.tmpl certtool.log
touch .complete
