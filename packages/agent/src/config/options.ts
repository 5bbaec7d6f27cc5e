// The agent's options: kube-router's routing flags (same names, meanings and defaults; see the reference §1.1)
// plus kroute's own. `AgentOptions` is what the rest of the agent reads; flags.ts fills it from argv.

export type OverlayType = 'subnet' | 'full';
export type OverlayEncap = 'ipip' | 'fou' | 'vxlan';

export interface ExternalPeerOption {
  readonly address: string;
  readonly asn: number;
  /** 179 unless --peer-router-ports gives one. */
  readonly port: number;
  /** Decoded from base64; undefined for no password. */
  readonly password?: string;
}

export interface AgentOptions {
  // Kubernetes / identity
  kubeconfig: string;
  master: string;
  hostnameOverride: string;
  /** kroute's own: read cluster state from a YAML file instead of an API server. */
  clusterState: string;

  // BGP
  runRouter: boolean;
  clusterAsn: number; // 0 means the default 64512
  bgpPort: number;
  routerId: string;
  peerRouterIps: string[];
  peerRouterAsns: number[];
  peerRouterPorts: number[];
  peerRouterPasswords: string[]; // decoded
  peerRouterPasswordsFile: string;
  peerRouterMultihopTtl: number;
  bgpHoldtimeMs: number;
  bgpGracefulRestart: boolean;
  bgpGracefulRestartTimeMs: number;
  bgpGracefulRestartDeferralTimeMs: number;
  nodesFullMesh: boolean;
  enableIbgp: boolean;

  // Advertisement
  advertisePodCidr: boolean;
  advertiseClusterIp: boolean;
  advertiseExternalIp: boolean;
  advertiseLoadbalancerIp: boolean;
  overrideNexthop: boolean;

  // Overlay
  enableOverlay: boolean;
  overlayType: OverlayType;
  overlayEncap: OverlayEncap;
  overlayEncapPort: number;
  autoMtu: boolean;

  // Families and ranges
  enableIpv4: boolean;
  enableIpv6: boolean;
  serviceClusterIpRange: string[];
  serviceExternalIpRange: string[];
  loadbalancerIpRange: string[];
  strictExternalIpValidation: boolean;

  // Timers
  routesSyncPeriodMs: number;
  injectedRoutesSyncPeriodMs: number;

  // Operations
  healthPort: number;
  metricsPort: number;
  metricsPath: string;
  metricsAddr: string;
  cleanupConfig: boolean;
  verbosity: number;
  version: boolean;
  help: boolean;

  // kroute's own
  apiAddr: string;
  apiPort: number;
  apiAllowWrites: boolean;
  dryRun: boolean;
}

/** kube-router's default when --cluster-asn is 0 (reference §1.1). */
export const DEFAULT_CLUSTER_ASN = 64512;
export const DEFAULT_BGP_PORT = 179;
export const DEFAULT_API_PORT = 20245;
export const DEFAULT_HEALTH_PORT = 20244;
