import { useCallback, useEffect, useState } from 'react';
import type { Community, Report } from '@parta/protocol';
import { useI18n, type StringKey } from '../i18n/index.js';
import { useSession } from '../state/hooks.js';
import { isSchoolAdmin } from '../state/profiles.js';

import { errorText } from '../state/client.js';
import { ChatList } from './Sidebar.js';
import { ScreenHeader } from './common.js';

/** A school's space: its channels and chats; for its admins, the other chats and the moderation queue. */
export function CommunityScreen({ organizationId }: { organizationId: number }) {
  const { t, locale } = useI18n();
  const [session, state] = useSession();
  const [community, setCommunity] = useState<Community | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const org = state.me.organizations.find((o) => o.id === organizationId);
  const admin = isSchoolAdmin(state.me, organizationId);

  const load = useCallback(() => {
    session.client
      .community(organizationId)
      .then(setCommunity)
      .catch((err: unknown) => setError(errorText(err)));
  }, [session, organizationId]);
  useEffect(load, [load]);

  return (
    <div className="screen">
      <ScreenHeader title={org?.shortName ?? t('community.title')} subtitle={org?.name} />
      <div className="screen-body">
        {error && <p className="error">{error}</p>}
        {notice && <p className="notice">{notice}</p>}
        {!community && !error && <p className="muted">{t('common.loading')}</p>}
        {community && (
          <>
            <section aria-labelledby="c-channels">
              <h2 id="c-channels">{t('community.channels')}</h2>
              <ChatList chats={community.channels} openChatId={null} locale={locale} />
            </section>
            <section aria-labelledby="c-chats">
              <h2 id="c-chats">{t('community.chats')}</h2>
              <ChatList chats={community.chats} openChatId={null} locale={locale} />
            </section>
            {admin && community.others.length > 0 && (
              <section aria-labelledby="c-others">
                <h2 id="c-others">{t('community.others')}</h2>
                <ul className="plain">
                  {community.others.map((c) => (
                    <li key={c.id}>
                      {c.title}{' '}
                      <span className="muted small">
                        · {c.purpose ? t(`purpose.${c.purpose}` as StringKey) : t(`kind.${c.kind}` as StringKey)} ·{' '}
                        {t('chat.members', { count: c.memberCount })}
                      </span>
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </>
        )}
        {admin && (
          <>
            <button
              type="button"
              onClick={() =>
                void session.client
                  .syncRoster(organizationId)
                  .then((r) => {
                    setNotice(t('community.synced', r));
                    load();
                    return session.refreshChats();
                  })
                  .catch((err: unknown) => setError(errorText(err)))
              }
            >
              {t('community.syncRoster')}
            </button>
            <Moderation organizationId={organizationId} />
          </>
        )}
      </div>
    </div>
  );
}

/** The school's moderation queue. */
function Moderation({ organizationId }: { organizationId: number }) {
  const { t, locale } = useI18n();
  const [session] = useSession();
  const [reports, setReports] = useState<Report[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    session.client
      .reports(organizationId)
      .then((r) => setReports(r.reports))
      .catch((err: unknown) => setError(errorText(err)));
  }, [session, organizationId]);
  useEffect(load, [load]);
  return (
    <section aria-labelledby="c-moderation">
      <h2 id="c-moderation">{t('community.moderation')}</h2>
      {error && <p className="error">{error}</p>}
      {reports?.length === 0 && <p className="muted">{t('community.noReports')}</p>}
      <ul className="reports">
        {reports?.map((r) => (
          <li key={r.id} className="report">
            <blockquote>{r.message.text || t('msg.deleted')}</blockquote>
            <p className="small muted">
              {t('report.reason', { reason: r.reason })} · {new Date(r.createdAt).toLocaleString(locale)}
            </p>
            <div className="row wrap">
              {(['deleted', 'muted', 'removed', 'dismissed'] as const).map((action) => (
                <button
                  key={action}
                  type="button"
                  className={action === 'dismissed' ? '' : 'danger'}
                  onClick={() =>
                    void session.client
                      .resolveReport(r.id, action)
                      .then(load)
                      .catch((err: unknown) => setError(errorText(err)))
                  }
                >
                  {t(`report.${action}` as StringKey)}
                </button>
              ))}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
