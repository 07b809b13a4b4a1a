import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Session } from './session.js';
import type { ChatView, SessionState } from './store.js';

export const SessionContext = createContext<Session | null>(null);

/** The signed-in session (inside the shell only). */
export function useSessionObject(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside of a signed-in shell');
  return s;
}

/** The session and its current state; re-renders on every change. */
export function useSession(): [Session, SessionState] {
  const s = useSessionObject();
  const state = useSyncExternalStore(s.subscribe, s.getState);
  return [s, state];
}

/** One chat's view, or undefined when the user is not in it. */
export function useChat(chatId: number): ChatView | undefined {
  const [, state] = useSession();
  return state.chats.get(chatId);
}
