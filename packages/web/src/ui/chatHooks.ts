import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { Message } from '@parta/protocol';
import { useSessionObject } from '../state/hooks.js';
import type { Outgoing } from '../state/outbox.js';
import type { ChatView, ConnState } from '../state/store.js';
import { dayKey } from './common.js';

/** Absolute index of the first message the view anchored on; prepending lowers `firstItemIndex`. */
const BASE = 1_000_000;

/** One row of a chat's history: a day separator, the unread separator, a message, or a message on its way. */
export type Row =
  | { kind: 'day'; key: string; at: number }
  | { kind: 'unread'; key: string }
  | { kind: 'msg'; key: string; m: Message }
  | { kind: 'out'; key: string; o: Outgoing };

/** The rows of a chat's window, with the user's pending messages at the end (unless the window ends early). */
export function useHistoryRows(
  chatId: number,
  view: ChatView | undefined,
  outbox: readonly Outgoing[],
  unreadFrom: number | null,
): Row[] {
  const messages = view?.messages ?? null;
  const hasOlder = view?.hasOlder ?? true;
  const outgoing = useMemo(
    () => (view?.hasNewer ? [] : outbox.filter((o) => o.chatId === chatId)),
    [outbox, chatId, view?.hasNewer],
  );
  return useMemo(() => {
    const out: Row[] = [];
    let day = -1;
    for (const m of messages ?? []) {
      const d = dayKey(m.createdAt);
      // The window's first day gets its separator only at the chat's beginning: while older
      // messages may still be of the same day, a separator there would move when they arrive.
      if (d !== day && (out.length > 0 || !hasOlder)) out.push({ kind: 'day', key: `d${d}`, at: m.createdAt });
      day = d;
      if (m.seq === unreadFrom) out.push({ kind: 'unread', key: 'unread' });
      out.push({ kind: 'msg', key: `m${m.seq}`, m });
    }
    for (const o of outgoing) out.push({ kind: 'out', key: `o${o.clientId}`, o });
    return out;
  }, [messages, outgoing, hasOlder, unreadFrom]);
}

/**
 * Keeps the anchor message at the same absolute index, so that older pages land above it without a
 * jump. A window replaced by a jump (search hit, link to a message) is a new list: its generation
 * changes, so that it mounts afresh, at the target.
 */
export function useWindowAnchor(messages: Message[] | null, rows: Row[]): { generation: number; firstItemIndex: number } {
  const anchor = useRef<number | null>(null);
  const generation = useRef(0);
  if (messages && messages.length > 0 && (anchor.current === null || !messages.some((m) => m.seq === anchor.current))) {
    if (anchor.current !== null) generation.current++;
    anchor.current = messages[0]!.seq;
  }
  const anchorIndex = rows.findIndex((r) => r.kind === 'msg' && r.m.seq === anchor.current);
  return { generation: generation.current, firstItemIndex: BASE - Math.max(0, anchorIndex) };
}

/**
 * In a direct chat, the other person, whose presence is asked on open, on reconnect and every minute.
 */
export function useDirectPresence(view: ChatView | undefined, conn: ConnState): number | undefined {
  const session = useSessionObject();
  const other =
    view?.summary.kind === 'direct' ? view.members?.find((m) => m.personId !== view.summary.myPersonId)?.personId : undefined;
  useEffect(() => {
    if (other === undefined) return;
    session.queryPresence([other]);
    const timer = setInterval(() => session.queryPresence([other]), 60_000);
    return () => clearInterval(timer);
  }, [session, other, conn]);
  return other;
}

/**
 * Read means seen: reports the newest message on screen while the page is visible. Returns the
 * list's `rangeChanged` handler.
 */
export function useSeenReporting(
  chatId: number,
  view: ChatView | undefined,
  rows: Row[],
  firstItemIndex: number,
): (range: { startIndex: number; endIndex: number }) => void {
  const session = useSessionObject();
  const seen = useRef(0);
  const reportSeen = useCallback(() => {
    if (seen.current > 0 && document.visibilityState === 'visible') session.markSeen(chatId, seen.current);
  }, [session, chatId]);
  useEffect(() => {
    document.addEventListener('visibilitychange', reportSeen);
    return () => document.removeEventListener('visibilitychange', reportSeen);
  }, [reportSeen]);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const firstIndexRef = useRef(firstItemIndex);
  firstIndexRef.current = firstItemIndex;
  const rangeChanged = useCallback(
    ({ startIndex, endIndex }: { startIndex: number; endIndex: number }) => {
      const all = rowsRef.current;
      // Virtuoso counts from firstItemIndex; accept plain indexes too.
      const offset = endIndex >= firstIndexRef.current ? firstIndexRef.current : 0;
      let max = 0;
      for (let i = Math.max(0, startIndex - offset); i <= Math.min(all.length - 1, endIndex - offset); i++) {
        const row = all[i];
        if (row?.kind === 'msg' && row.m.seq > max) max = row.m.seq;
      }
      if (max > seen.current) {
        seen.current = max;
        reportSeen();
      }
    },
    [reportSeen],
  );
  // A message committed (or acknowledged) on screen is seen without any scrolling.
  useEffect(() => reportSeen(), [reportSeen, view?.summary.lastSeq, view?.summary.readSeq]);
  return rangeChanged;
}
