import { TestkitError } from '../errors.js';

/** Address families the testkit models; gobgpd names them this way in its config and CLI. */
export type GobgpFamily = 'ipv4-unicast' | 'ipv6-unicast';

/** One gobgpd neighbor. Seconds throughout, as in gobgpd's config. */
export interface GobgpdNeighborConfig {
  address: string;
  asn: number;
  /** TCP-MD5 signature key (RFC 2385). */
  password?: string;
  /** Source address of the session. */
  localAddress?: string;
  /** Default: the family of `address`. */
  families?: GobgpFamily[];
  /** Never connect; only accept. */
  passive?: boolean;
  holdTime?: number;
  keepalive?: number;
  /**
   * Seconds between connection attempts. Default {@link DEFAULT_CONNECT_RETRY_S} rather than gobgpd's 120, so a
   * session that failed is retried soon. gobgpd 3.x treats anything below 5 as 5 and jitters each attempt to
   * between 1x and 2x the interval, so its first outbound attempt comes 5-10 s after start; it accepts inbound
   * connections at once.
   */
  connectRetry?: number;
  /** eBGP multihop with this TTL. Exclusive with `ttlSecurityHops` (gobgpd refuses both). */
  ebgpMultihopTtl?: number;
  /** GTSM (RFC 5082): accept only packets from at most this many hops away, i.e. TTL >= 256 - hops. */
  ttlSecurityHops?: number;
  /** Graceful restart (RFC 4724) for every family of this neighbor; `longLived` adds LLGR (RFC 9494). */
  gracefulRestart?: { restartTime: number; deferralTime?: number; longLived?: boolean; longLivedStaleTime?: number };
  /** Make this neighbor a route-reflector client (RFC 4456) of a reflector with this cluster id. */
  routeReflectorClient?: { clusterId: string };
  /** Connect to this port instead of 179. */
  remotePort?: number;
}

/** A gobgpd configuration, rendered to TOML by {@link renderGobgpdToml}. */
export interface GobgpdConfig {
  asn: number;
  routerId: string;
  /** BGP listen port; default 179. -1 disables listening. */
  port?: number;
  /** Addresses to listen on; default all. */
  listenAddresses?: string[];
  neighbors: GobgpdNeighborConfig[];
  /** Raw TOML appended, for anything not modelled (policies, peer groups, ...). */
  extra?: string;
}

/** gobgpd 3.x's floor for the connect-retry interval (its minConnectRetryInterval). */
export const DEFAULT_CONNECT_RETRY_S = 5;
/** GTSM: a directly connected peer's packets arrive with TTL 255 (RFC 5082 §3). */
const GTSM_MAX_TTL = 255;
/** LLGR stale time when the test does not choose one; the RFC 9494 maximum is 2^24-1 seconds. */
const DEFAULT_LLGR_STALE_TIME_S = 60;

/** A TOML basic string. JSON string syntax is a subset TOML accepts. */
function str(value: string): string {
  return JSON.stringify(value);
}

function familyOf(address: string): GobgpFamily {
  return address.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
}

function validate(config: GobgpdConfig): void {
  for (const n of config.neighbors) {
    if (n.ebgpMultihopTtl !== undefined && n.ttlSecurityHops !== undefined) {
      throw new TestkitError(`gobgpd neighbor ${n.address}: ebgpMultihopTtl and ttlSecurityHops are mutually exclusive in gobgpd`);
    }
    if (n.ttlSecurityHops !== undefined && (n.ttlSecurityHops < 1 || n.ttlSecurityHops > GTSM_MAX_TTL)) {
      throw new TestkitError(`gobgpd neighbor ${n.address}: ttlSecurityHops must be 1..${GTSM_MAX_TTL}`);
    }
  }
}

function renderNeighbor(n: GobgpdNeighborConfig): string[] {
  const lines = ['[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${str(n.address)}`, `    peer-as = ${n.asn}`];
  if (n.password !== undefined) lines.push(`    auth-password = ${str(n.password)}`);

  lines.push('  [neighbors.timers.config]', `    connect-retry = ${n.connectRetry ?? DEFAULT_CONNECT_RETRY_S}`);
  if (n.holdTime !== undefined) lines.push(`    hold-time = ${n.holdTime}`);
  if (n.keepalive !== undefined) lines.push(`    keepalive-interval = ${n.keepalive}`);

  if (n.localAddress !== undefined || n.passive || n.remotePort !== undefined) {
    lines.push('  [neighbors.transport.config]');
    if (n.localAddress !== undefined) lines.push(`    local-address = ${str(n.localAddress)}`);
    if (n.passive) lines.push('    passive-mode = true');
    if (n.remotePort !== undefined) lines.push(`    remote-port = ${n.remotePort}`);
  }
  if (n.ebgpMultihopTtl !== undefined) {
    lines.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.ebgpMultihopTtl}`);
  }
  if (n.ttlSecurityHops !== undefined) {
    lines.push('  [neighbors.ttl-security.config]', '    enabled = true', `    ttl-min = ${GTSM_MAX_TTL + 1 - n.ttlSecurityHops}`);
  }
  const gr = n.gracefulRestart;
  if (gr) {
    lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', `    restart-time = ${gr.restartTime}`);
    if (gr.deferralTime !== undefined) lines.push(`    deferral-time = ${gr.deferralTime}`);
    if (gr.longLived) lines.push('    long-lived-enabled = true');
  }
  if (n.routeReflectorClient) {
    lines.push(
      '  [neighbors.route-reflector.config]',
      '    route-reflector-client = true',
      `    route-reflector-cluster-id = ${str(n.routeReflectorClient.clusterId)}`,
    );
  }
  // afi-safis go last: a TOML array-of-tables entry captures the sub-tables that follow it.
  for (const family of n.families ?? [familyOf(n.address)]) {
    lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = ${str(family)}`);
    if (gr) {
      // Without per-family mp-graceful-restart gobgpd advertises the GR capability with no families.
      lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
      if (gr.longLived) {
        lines.push(
          '    [neighbors.afi-safis.long-lived-graceful-restart.config]',
          '      enabled = true',
          `      restart-time = ${gr.longLivedStaleTime ?? DEFAULT_LLGR_STALE_TIME_S}`,
        );
      }
    }
  }
  return lines;
}

/** Renders a gobgpd TOML configuration (gobgpd 3.x key names). Pure; throws on combinations gobgpd rejects. */
export function renderGobgpdToml(config: GobgpdConfig): string {
  validate(config);
  const lines = ['[global.config]', `  as = ${config.asn}`, `  router-id = ${str(config.routerId)}`];
  if (config.port !== undefined) lines.push(`  port = ${config.port}`);
  if (config.listenAddresses?.length) lines.push(`  local-address-list = [${config.listenAddresses.map(str).join(', ')}]`);
  for (const n of config.neighbors) lines.push('', ...renderNeighbor(n));
  if (config.extra) lines.push('', config.extra.trim());
  return `${lines.join('\n')}\n`;
}
