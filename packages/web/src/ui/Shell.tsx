import { useEffect } from 'react';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../state/hooks.js';
import { useRoute } from '../state/route.js';
import { ChatScreen } from './ChatScreen.js';
import { CommunityScreen } from './CommunityScreen.js';
import { NewGroupScreen } from './NewGroupScreen.js';
import { SettingsScreen } from './SettingsScreen.js';
import { Sidebar } from './Sidebar.js';

/** The signed-in layout: connection banner, sidebar and the screen of the current route. */
export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const [session] = useSession();
  useEffect(() => {
    void session.openChat(route.name === 'chat' ? route.chatId : null);
  }, [session, route]);
  useEffect(() => () => session.close(), [session]);
  useUnreadTitle();
  return (
    <div className={route.name === 'home' ? 'shell' : 'shell has-pane'}>
      <ConnectionBanner />
      <nav className="sidebar" aria-label={useI18n().t('nav.sidebar')}>
        <Sidebar route={route} />
      </nav>
      <main className="pane">
        {route.name === 'chat' && <ChatScreen key={route.chatId} chatId={route.chatId} jumpSeq={route.seq} />}
        {route.name === 'community' && <CommunityScreen key={route.organizationId} organizationId={route.organizationId} />}
        {route.name === 'newGroup' && <NewGroupScreen />}
        {route.name === 'settings' && <SettingsScreen onSignOut={onSignOut} />}
        {route.name === 'home' && <EmptyPane />}
      </main>
    </div>
  );
}

/** «(3) Парта»: the tab shows how many chats have unread messages. */
function useUnreadTitle() {
  const { t } = useI18n();
  const [, state] = useSession();
  let unreadChats = 0;
  for (const v of state.chats.values()) if (v.summary.unread > 0) unreadChats++;
  useEffect(() => {
    document.title = unreadChats > 0 ? `(${unreadChats}) ${t('app.name')}` : t('app.name');
  }, [unreadChats, t]);
}

function EmptyPane() {
  const { t } = useI18n();
  return <div className="empty-pane muted">{t('chat.pick')}</div>;
}

/** Shown while the realtime connection is down or coming up. */
function ConnectionBanner() {
  const { t } = useI18n();
  const [, state] = useSession();
  if (state.conn === 'online') return null;
  const queued = state.outbox.filter((o) => o.status !== 'failed').length;
  return (
    <div className={`conn-banner ${state.conn}`} role="status" aria-live="polite">
      {state.conn === 'offline' ? t('conn.offline') : t('conn.connecting')}
      {queued > 0 && <span> · {t('conn.queued', { count: queued })}</span>}
    </div>
  );
}
