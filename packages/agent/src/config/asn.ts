// ASN ranges as kube-router validates them (reference §1.1 and §1.4).

const PRIVATE_16_MIN = 64512;
const PRIVATE_16_MAX = 65535;
const PRIVATE_32_MIN = 4200000000;
const PRIVATE_32_MAX = 4294967294;

/** --cluster-asn: a private ASN (RFC 6996). */
export function isValidClusterAsn(asn: number): boolean {
  return (asn >= PRIVATE_16_MIN && asn <= PRIVATE_16_MAX) || (asn >= PRIVATE_32_MIN && asn <= PRIVATE_32_MAX);
}

/**
 * A remote peer's ASN (kube-router validateASN): 0, AS_TRANS (23456), 64000-64511 (documentation / reserved),
 * 65535, 65536-131071 and 4294967295 are refused as reserved (RFC 7607, RFC 6793, RFC 5398, RFC 7300).
 */
export function isValidPeerAsn(asn: number): boolean {
  return (asn >= 1 && asn <= 23455) ||
    (asn >= 23457 && asn <= 63999) ||
    (asn >= 64512 && asn <= 65534) ||
    (asn >= 131072 && asn <= 4199999999) ||
    (asn >= PRIVATE_32_MIN && asn <= PRIVATE_32_MAX);
}
