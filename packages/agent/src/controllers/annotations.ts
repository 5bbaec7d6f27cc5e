// kube-router's annotation names (reference §1.2–1.8), in one place.
export const Annotation = {
  NODE_ASN: 'kube-router.io/node.asn',
  RR_SERVER: 'kube-router.io/rr.server',
  RR_CLIENT: 'kube-router.io/rr.client',
  PATH_PREPEND_AS: 'kube-router.io/path-prepend.as',
  PATH_PREPEND_REPEAT_N: 'kube-router.io/path-prepend.repeat-n',
  NODE_COMMUNITIES: 'kube-router.io/node.bgp.communities',
  CUSTOM_IMPORT_REJECT: 'kube-router.io/node.bgp.customimportreject',
  BGP_LOCAL_ADDRESSES: 'kube-router.io/bgp-local-addresses',
  PEERS: 'kube-router.io/peers',
  PEER_IPS: 'kube-router.io/peer.ips',
  PEER_ASNS: 'kube-router.io/peer.asns',
  PEER_PORTS: 'kube-router.io/peer.ports',
  PEER_PASSWORDS: 'kube-router.io/peer.passwords',
  PEER_LOCAL_IPS: 'kube-router.io/peer.localips',
  POD_CIDR: 'kube-router.io/pod-cidr',
  POD_CIDRS: 'kube-router.io/pod-cidrs',
  SERVICE_ADVERTISE_CLUSTER_IP: 'kube-router.io/service.advertise.clusterip',
  SERVICE_ADVERTISE_EXTERNAL_IP: 'kube-router.io/service.advertise.externalip',
  SERVICE_ADVERTISE_LOADBALANCER_IP: 'kube-router.io/service.advertise.loadbalancerip',
  SERVICE_SKIP_LB_IPS: 'kube-router.io/service.skiplbips',
  SERVICE_LOCAL: 'kube-router.io/service.local',
} as const;

/** A problem with one annotation on one object: logged and skipped, nothing else affected. */
export class AnnotationError extends Error {
  override readonly name = 'AnnotationError';
  constructor(readonly object: string, readonly annotation: string, reason: string) {
    super(`${object}: annotation ${annotation}: ${reason}`);
  }
}
