// `kroute [flags]`: run the agent with its servers (REST API, /healthz, /metrics) until SIGTERM or SIGINT.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import type { AgentOptions } from '../config/options.js';
import type { RtTablesOptions } from '@kroute/routing';
import { FileClusterSource } from '../cluster/file-source.js';
import { KubeClusterSource } from '../cluster/kube-source.js';
import type { ClusterSource } from '../cluster/types.js';
import { startApi } from '../api/server.js';
import { startHealthServer } from '../health/server.js';
import { startMetricsServer } from '../metrics/server.js';
import { KrouteMetrics } from '../metrics/metrics.js';
import { KrouteAgent } from './agent.js';
import { AgentView } from './view.js';
import type { Logger } from './log.js';
import { VERSION } from './version.js';

/** kube-router's order: --hostname-override, then NODE_NAME, then the hostname (reference §1.2). */
export function resolveNodeName(options: Pick<AgentOptions, 'hostnameOverride'>, env: NodeJS.ProcessEnv = process.env): string {
  return options.hostnameOverride || env['NODE_NAME'] || hostname();
}

export function clusterSourceFor(options: AgentOptions): ClusterSource {
  if (options.clusterState) return new FileClusterSource(options.clusterState);
  return new KubeClusterSource({ kubeconfig: options.kubeconfig, master: options.master });
}

/**
 * Where to register table 77: the system's rt_tables by default; KROUTE_RT_TABLES=off skips it and
 * KROUTE_RT_TABLES=/path uses another file (tests run agents in namespaces that share the host's /etc).
 */
export function rtTablesFromEnv(env: NodeJS.ProcessEnv = process.env): { rtTables?: RtTablesOptions } {
  const v = env['KROUTE_RT_TABLES'];
  if (v === 'off') return {};
  return { rtTables: v ? { paths: [v] } : {} };
}

export interface RunningAgent {
  readonly agent: KrouteAgent;
  readonly api?: FastifyInstance;
  readonly health?: Server;
  readonly metrics?: Server;
  stop(graceful?: boolean): Promise<void>;
}

export async function startAgent(options: AgentOptions, log: Logger, extra: { netns?: string; source?: ClusterSource; nodeName?: string; connectRetrySeconds?: number } = {}): Promise<RunningAgent> {
  const metrics = new KrouteMetrics();
  const agent = new KrouteAgent(options, {
    source: extra.source ?? clusterSourceFor(options),
    log,
    nodeName: extra.nodeName ?? resolveNodeName(options),
    version: VERSION,
    metrics,
    ...(extra.netns ? { netns: extra.netns } : {}),
    // Register table 77 as `kube-router` in rt_tables, as kube-router does (not in dry-run or an in-process netns).
    ...(options.dryRun || extra.netns ? {} : rtTablesFromEnv()),
    ...(extra.connectRetrySeconds !== undefined ? { connectRetrySeconds: extra.connectRetrySeconds } : {}),
  });
  let api: FastifyInstance | undefined;
  let health: Server | undefined;
  let metricsServer: Server | undefined;
  if (options.healthPort > 0) health = (await startHealthServer(agent.heartbeats, options.healthPort)).server;
  if (options.metricsPort > 0) metricsServer = (await startMetricsServer(metrics, { port: options.metricsPort, path: options.metricsPath, address: options.metricsAddr })).server;
  await agent.start();
  if (options.apiPort > 0) {
    api = await startApi(new AgentView(agent, VERSION), {
      allowWrites: options.apiAllowWrites, version: VERSION, address: options.apiAddr, port: options.apiPort, log: (m) => log.warn(m),
    });
    log.info(`REST API on http://${options.apiAddr.includes(':') ? `[${options.apiAddr}]` : options.apiAddr}:${options.apiPort}/api/v1/status`);
  }
  return {
    agent,
    ...(api ? { api } : {}),
    ...(health ? { health } : {}),
    ...(metricsServer ? { metrics: metricsServer } : {}),
    async stop(graceful?: boolean) {
      await api?.close();
      health?.close();
      metricsServer?.close();
      await agent.stop(graceful === undefined ? {} : { graceful });
    },
  };
}
