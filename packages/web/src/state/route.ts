import { useEffect, useState } from 'react';

/** Screens of the shell, addressed by the URL's hash so that reloads and the back button work. */
export type Route =
  | { name: 'home' }
  | { name: 'chat'; chatId: number; seq?: number }
  | { name: 'community'; organizationId: number }
  | { name: 'newGroup' }
  | { name: 'settings' };

/** Reads a route from a hash such as `#/chat/12` or `#/chat/12/340`. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const num = (s: string | undefined) => (s && /^\d{1,15}$/.test(s) ? Number(s) : null);
  const id = num(parts[1]);
  if (parts[0] === 'chat' && id !== null) {
    const seq = num(parts[2]);
    return seq !== null ? { name: 'chat', chatId: id, seq } : { name: 'chat', chatId: id };
  }
  if (parts[0] === 'community' && id !== null) return { name: 'community', organizationId: id };
  if (parts[0] === 'new') return { name: 'newGroup' };
  if (parts[0] === 'settings') return { name: 'settings' };
  return { name: 'home' };
}

/** The hash of a route. */
export function href(route: Route): string {
  switch (route.name) {
    case 'chat':
      return route.seq !== undefined ? `#/chat/${route.chatId}/${route.seq}` : `#/chat/${route.chatId}`;
    case 'community':
      return `#/community/${route.organizationId}`;
    case 'newGroup':
      return '#/new';
    case 'settings':
      return '#/settings';
    default:
      return '#/';
  }
}

/** Navigates to a route. */
export function go(route: Route): void {
  location.hash = href(route);
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
