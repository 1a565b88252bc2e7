#!/bin/sh
# Rebuilds the fuzz seed corpus with OpenSSL (provenance of every file in this folder).
# The seeds are valid encodings the fuzzer mutates; they are committed so a fuzz run needs no
# OpenSSL. Keys are throw-away and deleted; the seeds differ on each run (ECDSA is randomised),
# which does not matter: any valid encoding is a good seed.
#   sh test/fuzz/corpus/make-corpus.sh
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > ca.cnf <<'CNF'
[ca_ext]
basicConstraints = critical, CA:true, pathlen:1
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
nameConstraints = critical, permitted;DNS:example.com, permitted;IP:10.0.0.0/255.0.0.0, permitted;IP:2001:db8::/ffff:ffff::, excluded;email:bad@example.com, permitted;dirName:nc_dn, permitted;email:example.com, permitted;URI:.example.com
certificatePolicies = 1.3.6.1.4.1.99999.1, 2.5.29.32.0
policyConstraints = requireExplicitPolicy:0, inhibitPolicyMapping:1
inhibitAnyPolicy = 2
policyMappings = 1.3.6.1.4.1.99999.1:1.3.6.1.4.1.99999.2
[nc_dn]
C = DE
O = Fuzz Corpus
[root_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth, serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = DNS:device.example.com, IP:10.1.2.3, IP:2001:db8::1, URI:https://device.example.com/id, email:ops@example.com, otherName:1.3.6.1.5.5.7.8.4;SEQUENCE:hwmodule, dirName:san_dn
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://ca.example.com/ca.crt
certificatePolicies = 1.3.6.1.4.1.99999.1
1.2.3.4.5.6.7 = DER:04:03:01:02:03
[hwmodule]
hwType = OID:1.3.6.1.4.1.99999.7
hwSerialNum = FORMAT:HEX,OCTETSTRING:0102030405060708
[san_dn]
C = DE
O = Fuzz Corpus
CN = Device Directory Name
[crl_ext]
authorityKeyIdentifier = keyid
[ocsp_ext]
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
CNF

openssl ecparam -name secp384r1 -genkey -noout -out root.key
openssl req -new -x509 -key root.key -subj '/C=DE/O=Fuzz Corpus/CN=Fuzz Root' -days 3650 \
  -sha384 -set_serial 0x01 -extensions root_ext -config ca.cnf -out root.pem
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -new -key ca.key -subj '/C=DE/O=Fuzz Corpus/CN=Fuzz Manufacturer CA' -out ca.csr
openssl x509 -req -in ca.csr -CA root.pem -CAkey root.key -set_serial 0x02 -days 3000 -sha384 \
  -extfile ca.cnf -extensions ca_ext -out ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out leaf.key
openssl req -new -key leaf.key -subj '/C=DE/O=Fuzz Corpus/OU=Devices/serialNumber=0042/CN=device-0042' \
  -addext 'subjectAltName=DNS:device.example.com' -addext 'keyUsage=critical,digitalSignature' -out leaf.csr
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x7e57c0ffee -days 365 -sha256 \
  -extfile ca.cnf -extensions leaf_ext -out leaf.pem
openssl genpkey -algorithm ed25519 -out ed.key
openssl req -new -x509 -key ed.key -subj '/CN=Ed25519 Seed' -days 30 -set_serial 0x0a -out ed.pem
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
openssl req -new -x509 -key rsa.key -subj '/CN=RSA PSS Seed' -days 30 -set_serial 0x0b \
  -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sha256 -out rsa-pss.pem

# CRL v2 with entry extensions (reason, invalidity date) and CRL number.
touch index.txt
echo 1000 > crlnumber
cat > crl.cnf <<'CNF'
[ca]
default_ca = fuzz
[fuzz]
database = index.txt
crlnumber = crlnumber
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid
CNF
openssl ca -config crl.cnf -cert ca.pem -keyfile ca.key -revoke leaf.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config crl.cnf -cert ca.pem -keyfile ca.key -gencrl -out crl.pem 2>/dev/null
# The root's CRL (empty), so a chain check with CRLs covers the CA too.
mkdir rootdb && touch rootdb/index.txt && echo 2000 > rootdb/crlnumber
sed -e 's#^database = .*#database = rootdb/index.txt#' -e 's#^crlnumber = .*#crlnumber = rootdb/crlnumber#' \
  -e 's#^default_md = .*#default_md = sha384#' crl.cnf > crl-root.cnf
openssl ca -config crl-root.cnf -cert root.pem -keyfile root.key -gencrl -out crl-root.pem 2>/dev/null

# OCSP request with a nonce, and a signed response for it.
openssl req -new -x509 -key ca.key -subj '/CN=Fuzz OCSP' -days 30 -set_serial 0x0c -out ocsp-self.pem \
  -extensions ocsp_ext -config ca.cnf 2>/dev/null || true
openssl ocsp -issuer ca.pem -cert leaf.pem -reqout ocsp-req.der -no_nonce 2>/dev/null >/dev/null || true
openssl ocsp -issuer ca.pem -cert leaf.pem -reqout ocsp-req-nonce.der 2>/dev/null >/dev/null || true
openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -reqin ocsp-req-nonce.der \
  -respout ocsp-resp.der -ndays 1 >/dev/null 2>&1

to_der() { openssl "$1" -in "$2" -outform DER -out "$3"; }
to_der x509 root.pem "$out/cert-root.der"
to_der x509 ca.pem "$out/cert-ca.der"
to_der x509 leaf.pem "$out/cert-leaf.der"
to_der x509 ed.pem "$out/cert-ed25519.der"
to_der x509 rsa-pss.pem "$out/cert-rsa-pss.der"
to_der req leaf.csr "$out/csr.der"
to_der crl crl.pem "$out/crl.der"
to_der crl crl-root.pem "$out/crl-root.der"
cp ocsp-req.der "$out/ocsp-request.der"
cp ocsp-req-nonce.der "$out/ocsp-request-nonce.der"
cp ocsp-resp.der "$out/ocsp-response.der"
cp leaf.pem "$out/cert-leaf.pem"
echo "corpus written to $out"
