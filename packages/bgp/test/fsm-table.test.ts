// Every state × event pair of RFC 4271 §8.2.2, table-driven. The expected rows are written from the RFC text (one
// block per state, the "any other event" paragraph as the default), not derived from the implementation.
import assert from 'node:assert/strict';
import { FSM_STATES, type ConnectionFsm, type FsmEvent, type FsmState, type TimerName } from '../src/fsm/index.js';
import { headerError, newFsm, openError, peerOpen, summarise, updateError } from './fsm-helpers.js';

/** The connection a state runs on after `reach` (outgoing attempt 1 becomes the session's connection). */
const CONN = 1;
/** A different connection (a second one, or one to reject). */
const OTHER = 99;

type EventName =
  | 'E1 ManualStart'
  | 'E2 ManualStop'
  | 'E3 AutomaticStart'
  | 'E4 ManualStart_with_PassiveTcpEstablishment'
  | 'E5 AutomaticStart_with_PassiveTcpEstablishment'
  | 'E6 AutomaticStart_with_DampPeerOscillations'
  | 'E7 AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment'
  | 'E8 AutomaticStop'
  | 'E9 ConnectRetryTimer_Expires'
  | 'E10 HoldTimer_Expires'
  | 'E11 KeepaliveTimer_Expires'
  | 'E12 DelayOpenTimer_Expires'
  | 'E13 IdleHoldTimer_Expires'
  | 'E14 TcpConnection_Valid'
  | 'E15 Tcp_CR_Invalid'
  | 'E16 Tcp_CR_Acked'
  | 'E17 TcpConnectionConfirmed'
  | 'E18 TcpConnectionFails'
  | 'E19 BGPOpen'
  | 'E22 BGPOpen rejected by checks (hold time 1)'
  | 'E21 BGPHeaderErr'
  | 'E22 BGPOpenMsgErr'
  | 'E23 OpenCollisionDump'
  | 'E24 NotifMsgVerErr'
  | 'E25 NotifMsg'
  | 'E26 KeepAliveMsg'
  | 'E27 UpdateMsg'
  | 'E28 UpdateMsgErr'
  | 'ROUTE-REFRESH (RFC 2918)';

const verErr = { type: 'notification' as const, code: 2, subcode: 1, data: new Uint8Array([0, 4]) };
const cease = { type: 'notification' as const, code: 6, subcode: 2, data: new Uint8Array(0) };

/** Builds each event; `conn` is the connection the state runs on (1 in Connect: the outgoing attempt). */
const EVENTS: Record<EventName, (state: FsmState) => FsmEvent> = {
  'E1 ManualStart': () => ({ type: 'ManualStart' }),
  'E2 ManualStop': () => ({ type: 'ManualStop' }),
  'E3 AutomaticStart': () => ({ type: 'AutomaticStart' }),
  'E4 ManualStart_with_PassiveTcpEstablishment': () => ({ type: 'ManualStart_with_PassiveTcpEstablishment' }),
  'E5 AutomaticStart_with_PassiveTcpEstablishment': () => ({ type: 'AutomaticStart_with_PassiveTcpEstablishment' }),
  'E6 AutomaticStart_with_DampPeerOscillations': () => ({ type: 'AutomaticStart_with_DampPeerOscillations' }),
  'E7 AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': () => ({
    type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
  }),
  'E8 AutomaticStop': () => ({ type: 'AutomaticStop' }),
  'E9 ConnectRetryTimer_Expires': () => ({ type: 'ConnectRetryTimer_Expires' }),
  'E10 HoldTimer_Expires': () => ({ type: 'HoldTimer_Expires' }),
  'E11 KeepaliveTimer_Expires': () => ({ type: 'KeepaliveTimer_Expires' }),
  'E12 DelayOpenTimer_Expires': () => ({ type: 'DelayOpenTimer_Expires' }),
  'E13 IdleHoldTimer_Expires': () => ({ type: 'IdleHoldTimer_Expires' }),
  'E14 TcpConnection_Valid': () => ({ type: 'TcpConnection_Valid', conn: OTHER }),
  'E15 Tcp_CR_Invalid': () => ({ type: 'Tcp_CR_Invalid', conn: OTHER }),
  // In Connect the acknowledged connection is our own attempt; elsewhere it is a second one.
  'E16 Tcp_CR_Acked': (s) => ({ type: 'Tcp_CR_Acked', conn: s === 'Connect' ? CONN : OTHER }),
  'E17 TcpConnectionConfirmed': () => ({ type: 'TcpConnectionConfirmed', conn: OTHER }),
  'E18 TcpConnectionFails': () => ({ type: 'TcpConnectionFails', conn: CONN }),
  'E19 BGPOpen': () => ({ type: 'BGPOpen', conn: CONN, open: peerOpen() }),
  'E22 BGPOpen rejected by checks (hold time 1)': () => ({ type: 'BGPOpen', conn: CONN, open: peerOpen({ holdTime: 1 }) }),
  'E21 BGPHeaderErr': () => ({ type: 'BGPHeaderErr', conn: CONN, error: headerError() }),
  'E22 BGPOpenMsgErr': () => ({ type: 'BGPOpenMsgErr', conn: CONN, error: openError() }),
  'E23 OpenCollisionDump': () => ({ type: 'OpenCollisionDump' }),
  'E24 NotifMsgVerErr': () => ({ type: 'NotifMsgVerErr', conn: CONN, notification: verErr }),
  'E25 NotifMsg': () => ({ type: 'NotifMsg', conn: CONN, notification: cease }),
  'E26 KeepAliveMsg': () => ({ type: 'KeepAliveMsg', conn: CONN }),
  'E27 UpdateMsg': () => ({ type: 'UpdateMsg', conn: CONN }),
  'E28 UpdateMsgErr': () => ({ type: 'UpdateMsgErr', conn: CONN, error: updateError() }),
  'ROUTE-REFRESH (RFC 2918)': () => ({ type: 'RouteRefreshMsg', conn: CONN }),
};

/** Drive a fresh machine into `state` by the ordinary path. */
function reach(state: FsmState): ConnectionFsm {
  const { fsm } = newFsm();
  const steps: FsmEvent[] = [];
  if (state === 'Active') steps.push({ type: 'ManualStart_with_PassiveTcpEstablishment' });
  if (state !== 'Idle' && state !== 'Active') steps.push({ type: 'ManualStart' });
  if (state === 'OpenSent' || state === 'OpenConfirm' || state === 'Established') steps.push({ type: 'Tcp_CR_Acked', conn: CONN });
  if (state === 'OpenConfirm' || state === 'Established') steps.push({ type: 'BGPOpen', conn: CONN, open: peerOpen() });
  if (state === 'Established') steps.push({ type: 'KeepAliveMsg', conn: CONN });
  for (const e of steps) fsm.handle(e);
  assert.equal(fsm.state, state, `setup reached ${fsm.state}, not ${state}`);
  return fsm;
}

interface Row {
  readonly next: FsmState;
  readonly sent?: string[];
  readonly closed?: number[];
  readonly connect?: boolean;
  /** ConnectRetryCounter afterwards, relative to before. */
  readonly counter?: 'same' | '+1' | 'zero';
  /** Timers running afterwards. */
  readonly timers?: TimerName[];
  /** Timers (re)started by the event. */
  readonly started?: TimerName[];
  readonly established?: boolean;
  readonly down?: boolean;
}

const IDLE_TIMERS: TimerName[] = [];
const same = (state: FsmState, timers: TimerName[]): Row => ({ next: state, counter: 'same', timers });
const n = (code: number, sub: number): string => `notification ${code}/${sub}`;

// §8.2.2 Idle: starts go to Connect (active) or Active (passive); stops ignored; TCP connections refused; the rest
// changes nothing.
function idleRow(e: EventName): Row {
  switch (e) {
    case 'E1 ManualStart':
    case 'E3 AutomaticStart':
    case 'E6 AutomaticStart_with_DampPeerOscillations': // no oscillations recorded: no IdleHoldTime to wait
      return { next: 'Connect', connect: true, counter: 'zero', timers: ['connectRetry'], started: ['connectRetry'] };
    case 'E4 ManualStart_with_PassiveTcpEstablishment':
    case 'E5 AutomaticStart_with_PassiveTcpEstablishment':
    case 'E7 AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return { next: 'Active', connect: false, counter: 'zero', timers: ['connectRetry'], started: ['connectRetry'] };
    case 'E14 TcpConnection_Valid':
    case 'E15 Tcp_CR_Invalid':
    case 'E16 Tcp_CR_Acked':
    case 'E17 TcpConnectionConfirmed':
      return { ...same('Idle', IDLE_TIMERS), closed: [OTHER] };
    default:
      return same('Idle', IDLE_TIMERS);
  }
}

// §8.2.2 Connect (an outgoing attempt, connection 1, is in flight; ConnectRetryTimer running).
function connectRow(e: EventName): Row {
  const toIdle = (counter: Row['counter']): Row => ({ next: 'Idle', closed: [CONN], counter, timers: [], sent: [] });
  if (/^E[134567] /.test(e)) return same('Connect', ['connectRetry']);
  switch (e) {
    case 'E2 ManualStop':
      return toIdle('zero');
    case 'E9 ConnectRetryTimer_Expires':
      return { next: 'Connect', closed: [CONN], connect: true, counter: 'same', timers: ['connectRetry'], started: ['connectRetry'] };
    case 'E12 DelayOpenTimer_Expires': // only occurs with DelayOpen (see the DelayOpen table); nothing to send here
    case 'E14 TcpConnection_Valid':
      return same('Connect', ['connectRetry']);
    case 'E15 Tcp_CR_Invalid':
      return { ...same('Connect', ['connectRetry']), closed: [OTHER] };
    case 'E16 Tcp_CR_Acked':
    case 'E17 TcpConnectionConfirmed':
      return { next: 'OpenSent', sent: ['open'], counter: 'same', timers: ['hold'], started: ['hold'] };
    case 'E18 TcpConnectionFails':
      return toIdle('same');
    default:
      // 21, 22, 24 and "any other event" (8, 10-11, 13, 19, 23, 25-28): counter + 1.
      return toIdle('+1');
  }
}

// §8.2.2 Active (listening, ConnectRetryTimer running, no connection).
function activeRow(e: EventName): Row {
  const toIdle = (counter: Row['counter']): Row => ({ next: 'Idle', closed: [], counter, timers: [], sent: [] });
  if (/^E[134567] /.test(e)) return same('Active', ['connectRetry']);
  switch (e) {
    case 'E2 ManualStop':
      return toIdle('zero');
    case 'E9 ConnectRetryTimer_Expires':
      return { next: 'Connect', connect: true, counter: 'same', timers: ['connectRetry'], started: ['connectRetry'] };
    case 'E12 DelayOpenTimer_Expires': // only occurs with DelayOpen (see the DelayOpen table)
    case 'E14 TcpConnection_Valid':
      return same('Active', ['connectRetry']);
    case 'E15 Tcp_CR_Invalid':
      return { ...same('Active', ['connectRetry']), closed: [OTHER] };
    case 'E16 Tcp_CR_Acked':
    case 'E17 TcpConnectionConfirmed':
      return { next: 'OpenSent', sent: ['open'], counter: 'same', timers: ['hold'], started: ['hold'] };
    default:
      // 18, 21, 22, 24 and "any other event": counter + 1.
      return toIdle('+1');
  }
}

// §8.2.2 OpenSent (connection 1, OPEN sent, 4-minute HoldTimer).
function openSentRow(e: EventName): Row {
  const toIdle = (sent: string[], counter: Row['counter'] = '+1'): Row => ({ next: 'Idle', sent, closed: [CONN], counter, timers: [] });
  if (/^E[134567] /.test(e)) return same('OpenSent', ['hold']);
  switch (e) {
    case 'E2 ManualStop':
      return toIdle([n(6, 2)], 'zero');
    case 'E8 AutomaticStop':
      return toIdle([n(6, 2)]);
    case 'E10 HoldTimer_Expires':
      return toIdle([n(4, 0)]);
    case 'E14 TcpConnection_Valid':
    case 'E15 Tcp_CR_Invalid':
    case 'E16 Tcp_CR_Acked':
    case 'E17 TcpConnectionConfirmed':
      return same('OpenSent', ['hold']);
    case 'E18 TcpConnectionFails':
      return { next: 'Active', closed: [CONN], counter: 'same', timers: ['connectRetry'], started: ['connectRetry'] };
    case 'E19 BGPOpen':
      return { next: 'OpenConfirm', sent: ['keepalive'], counter: 'same', timers: ['hold', 'keepalive'], started: ['hold', 'keepalive'] };
    case 'E22 BGPOpen rejected by checks (hold time 1)':
      return toIdle([n(2, 6)]);
    case 'E21 BGPHeaderErr':
      return toIdle([n(1, 2)]);
    case 'E22 BGPOpenMsgErr':
      return toIdle([n(2, 4)]);
    case 'E23 OpenCollisionDump':
      return toIdle([n(6, 7)]);
    case 'E24 NotifMsgVerErr':
      return toIdle([], 'same');
    case 'E9 ConnectRetryTimer_Expires':
    case 'E11 KeepaliveTimer_Expires':
    case 'E12 DelayOpenTimer_Expires':
    case 'E13 IdleHoldTimer_Expires':
      return toIdle([n(5, 0)]);
    default:
      // 25-28 and ROUTE-REFRESH: unexpected message in OpenSent (RFC 6608 5/1).
      return toIdle([n(5, 1)]);
  }
}

// §8.2.2 OpenConfirm (connection 1, KEEPALIVE sent, negotiated HoldTimer and KeepaliveTimer running).
function openConfirmRow(e: EventName): Row {
  const toIdle = (sent: string[], counter: Row['counter'] = '+1'): Row => ({ next: 'Idle', sent, closed: [CONN], counter, timers: [] });
  if (/^E[134567] /.test(e)) return same('OpenConfirm', ['hold', 'keepalive']);
  switch (e) {
    case 'E2 ManualStop':
      return toIdle([n(6, 2)], 'zero');
    case 'E8 AutomaticStop':
      return toIdle([n(6, 2)]);
    case 'E10 HoldTimer_Expires':
      return toIdle([n(4, 0)]);
    case 'E11 KeepaliveTimer_Expires':
      return { next: 'OpenConfirm', sent: ['keepalive'], counter: 'same', timers: ['hold', 'keepalive'], started: ['keepalive'] };
    case 'E14 TcpConnection_Valid':
    case 'E15 Tcp_CR_Invalid':
    case 'E16 Tcp_CR_Acked':
    case 'E17 TcpConnectionConfirmed':
      return same('OpenConfirm', ['hold', 'keepalive']);
    case 'E18 TcpConnectionFails':
    case 'E25 NotifMsg':
      return toIdle([]);
    case 'E24 NotifMsgVerErr':
      return toIdle([], 'same');
    case 'E21 BGPHeaderErr':
      return toIdle([n(1, 2)]);
    case 'E22 BGPOpenMsgErr':
      return toIdle([n(2, 4)]);
    case 'E23 OpenCollisionDump':
      return toIdle([n(6, 7)]);
    case 'E26 KeepAliveMsg':
      return { next: 'Established', counter: 'same', timers: ['hold', 'keepalive'], started: ['hold'], established: true };
    case 'E9 ConnectRetryTimer_Expires':
    case 'E12 DelayOpenTimer_Expires':
    case 'E13 IdleHoldTimer_Expires':
      return toIdle([n(5, 0)]);
    default:
      // 27-28, ROUTE-REFRESH, and a second OPEN on this same connection: RFC 6608 5/2.
      return toIdle([n(5, 2)]);
  }
}

// §8.2.2 Established.
function establishedRow(e: EventName): Row {
  const toIdle = (sent: string[], counter: Row['counter'] = '+1'): Row => ({ next: 'Idle', sent, closed: [CONN], counter, timers: [], down: true });
  if (/^E[134567] /.test(e)) return same('Established', ['hold', 'keepalive']);
  switch (e) {
    case 'E2 ManualStop':
      return toIdle([n(6, 2)], 'zero');
    case 'E8 AutomaticStop':
      return toIdle([n(6, 2)]);
    case 'E10 HoldTimer_Expires':
      return toIdle([n(4, 0)]);
    case 'E11 KeepaliveTimer_Expires':
      return { next: 'Established', sent: ['keepalive'], counter: 'same', timers: ['hold', 'keepalive'], started: ['keepalive'] };
    case 'E14 TcpConnection_Valid':
    case 'E15 Tcp_CR_Invalid':
    case 'E16 Tcp_CR_Acked':
    case 'E17 TcpConnectionConfirmed':
      return same('Established', ['hold', 'keepalive']);
    case 'E18 TcpConnectionFails':
    case 'E24 NotifMsgVerErr':
    case 'E25 NotifMsg':
      return toIdle([]);
    case 'E23 OpenCollisionDump':
      return toIdle([n(6, 7)]);
    case 'E26 KeepAliveMsg':
    case 'E27 UpdateMsg':
    case 'ROUTE-REFRESH (RFC 2918)':
      return { next: 'Established', sent: [], counter: 'same', timers: ['hold', 'keepalive'], started: ['hold'] };
    case 'E28 UpdateMsgErr':
      return toIdle([n(3, 1)]);
    case 'E21 BGPHeaderErr':
      return toIdle([n(1, 2)]);
    case 'E22 BGPOpenMsgErr':
      return toIdle([n(2, 4)]);
    case 'E9 ConnectRetryTimer_Expires':
    case 'E12 DelayOpenTimer_Expires':
    case 'E13 IdleHoldTimer_Expires':
      return toIdle([n(5, 0)]);
    default:
      // A second OPEN on the established connection: unexpected message in Established (RFC 6608 5/3).
      return toIdle([n(5, 3)]);
  }
}

const TABLE: Record<FsmState, (e: EventName) => Row> = {
  Idle: idleRow,
  Connect: connectRow,
  Active: activeRow,
  OpenSent: openSentRow,
  OpenConfirm: openConfirmRow,
  Established: establishedRow,
};

describe('FSM: RFC 4271 §8.2.2 state × event table', () => {
  let rows = 0;
  for (const state of FSM_STATES) {
    describe(state, () => {
      for (const name of Object.keys(EVENTS) as EventName[]) {
        const row = TABLE[state](name);
        rows += 1;
        it(`${name} → ${row.next}`, () => {
          const fsm = reach(state);
          const before = fsm.connectRetryCounter;
          const actions = fsm.handle(EVENTS[name](state));
          const s = summarise(actions);
          assert.equal(fsm.state, row.next, 'next state');
          assert.deepEqual(s.sent, row.sent ?? [], 'messages sent');
          assert.deepEqual(s.closed, row.closed ?? [], 'connections closed');
          assert.equal(s.connect, row.connect ?? false, 'connect initiated');
          assert.equal(s.established, row.established ?? false, 'established reported');
          assert.equal(s.down, row.down ?? false, 'down reported');
          const expectedCounter = row.counter === 'zero' ? 0 : row.counter === '+1' ? before + 1 : before;
          assert.equal(fsm.connectRetryCounter, expectedCounter, 'ConnectRetryCounter');
          if (row.timers) assert.deepEqual([...fsm.timers.keys()].sort(), [...row.timers].sort(), 'timers running');
          if (row.started) assert.deepEqual(s.timersStarted, [...row.started].sort(), 'timers started');
          // Any state change is recorded, and only a change.
          const changes = actions.filter((a) => a.type === 'state');
          assert.equal(changes.length, row.next === state ? 0 : 1, 'state-change records');
        });
      }
    });
  }
  it('covers all 6 states × 29 events', () => {
    assert.equal(rows, FSM_STATES.length * Object.keys(EVENTS).length);
    assert.equal(rows, 174);
  });
});

// §8.2.2 Connect and Active while the DelayOpenTimer runs (DelayOpen on, a TCP connection up, no OPEN sent yet).
// Events 12 and 20 (here: E19, an OPEN while the timer runs) are what DelayOpen adds.
type DelaySubstate = 'Connect' | 'Active';
const DELAY_MS = 5000;

function reachDelaying(state: DelaySubstate): ConnectionFsm {
  const { fsm } = newFsm({ delayOpenMs: DELAY_MS });
  if (state === 'Connect') {
    fsm.handle({ type: 'ManualStart' });
    fsm.handle({ type: 'Tcp_CR_Acked', conn: CONN });
  } else {
    fsm.handle({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    fsm.handle({ type: 'TcpConnectionConfirmed', conn: CONN });
  }
  assert.equal(fsm.state, state);
  assert.deepEqual([...fsm.timers.keys()], ['delayOpen'], 'only the DelayOpenTimer runs');
  return fsm;
}

function delayingRow(state: DelaySubstate, e: EventName): Row {
  const toIdle = (counter: Row['counter']): Row => ({ next: 'Idle', closed: [CONN], counter, timers: [], sent: [] });
  const stay: Row = same(state, ['delayOpen']);
  if (/^E[134567] /.test(e)) return stay;
  switch (e) {
    case 'E2 ManualStop':
      return toIdle('zero');
    case 'E9 ConnectRetryTimer_Expires':
      // Connect: drop the connection, stop the DelayOpenTimer, try again. Active: initiate, go to Connect.
      return state === 'Connect'
        ? { next: 'Connect', closed: [CONN], connect: true, counter: 'same', timers: ['connectRetry'], started: ['connectRetry'] }
        : { next: 'Connect', connect: true, counter: 'same', timers: ['connectRetry', 'delayOpen'], started: ['connectRetry'] };
    case 'E12 DelayOpenTimer_Expires':
      return { next: 'OpenSent', sent: ['open'], counter: 'same', timers: ['hold'], started: ['hold'] };
    case 'E14 TcpConnection_Valid':
      return stay;
    case 'E15 Tcp_CR_Invalid':
    case 'E16 Tcp_CR_Acked':
    case 'E17 TcpConnectionConfirmed':
      return { ...stay, closed: [OTHER] };
    case 'E18 TcpConnectionFails':
      // Connect: back to listening in Active. Active: counter + 1, Idle.
      return state === 'Connect'
        ? { next: 'Active', closed: [CONN], counter: 'same', timers: ['connectRetry'], started: ['connectRetry'] }
        : toIdle('+1');
    case 'E19 BGPOpen':
      // Event 20: answer with OPEN and KEEPALIVE, straight to OpenConfirm.
      return { next: 'OpenConfirm', sent: ['open', 'keepalive'], counter: 'same', timers: ['hold', 'keepalive'], started: ['hold', 'keepalive'] };
    case 'E24 NotifMsgVerErr':
      return toIdle('same');
    default:
      // 21, 22 (no NOTIFICATION without SendNOTIFICATIONwithoutOPEN) and the "any other event" list: counter + 1.
      return toIdle('+1');
  }
}

describe('FSM: RFC 4271 §8.2.2 with DelayOpen, Connect and Active while the DelayOpenTimer runs', () => {
  for (const state of ['Connect', 'Active'] as const) {
    describe(`${state} (DelayOpenTimer running)`, () => {
      for (const name of Object.keys(EVENTS) as EventName[]) {
        const row = delayingRow(state, name);
        it(`${name} → ${row.next}`, () => {
          const fsm = reachDelaying(state);
          const before = fsm.connectRetryCounter;
          // E16 here is a second connection, not our own attempt.
          const event = name === 'E16 Tcp_CR_Acked' ? ({ type: 'Tcp_CR_Acked', conn: OTHER } as const) : EVENTS[name](state);
          const actions = fsm.handle(event);
          const s = summarise(actions);
          assert.equal(fsm.state, row.next, 'next state');
          assert.deepEqual(s.sent, row.sent ?? [], 'messages sent');
          assert.deepEqual(s.closed, row.closed ?? [], 'connections closed');
          assert.equal(s.connect, row.connect ?? false, 'connect initiated');
          const expectedCounter = row.counter === 'zero' ? 0 : row.counter === '+1' ? before + 1 : before;
          assert.equal(fsm.connectRetryCounter, expectedCounter, 'ConnectRetryCounter');
          if (row.timers) assert.deepEqual([...fsm.timers.keys()].sort(), [...row.timers].sort(), 'timers running');
          if (row.started) assert.deepEqual(s.timersStarted, [...row.started].sort(), 'timers started');
        });
      }
    });
  }
});
