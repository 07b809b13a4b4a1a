/** Chats: the caller's list, members, creating chats, presence, roster sync and a school's community view. */
import { z } from 'zod';
import { Id, Seq, Timestamp } from './common.js';
import { Role } from './directory.js';
import { Message } from './message.js';
import { refuseBlank } from './text.js';

/** The longest chat title, in characters. */
export const MAX_CHAT_TITLE_CHARS = 128;
/** How many missed messages a reconnecting client gets per chat in one sync; it pages the rest. */
export const SYNC_BATCH = 200;

/** Kinds of conversation. A community is a school's space: its channels and chats (see `purpose`). */
export const ChatKind = z.enum(['direct', 'group', 'channel']);
/** A kind of conversation. */
export type ChatKind = z.infer<typeof ChatKind>;

/** Chats the roster keeps in step: members follow the directory. `null` for chats people made. */
export const ChatPurpose = z.enum(['class', 'class_parents', 'staff_room', 'news']);
/** A roster-managed chat's purpose. */
export type ChatPurpose = z.infer<typeof ChatPurpose>;

/** A member's role in one chat. */
export const MemberRole = z.enum(['owner', 'admin', 'member', 'readonly']);
/** A member's role in one chat. */
export type MemberRole = z.infer<typeof MemberRole>;

/** A chat in the caller's list. */
export const ChatSummary = z.object({
  /** Chat id. */
  id: Id,
  /** Direct, group or channel. */
  kind: ChatKind,
  /** For roster-managed chats: class, class_parents, staff_room, news. */
  purpose: ChatPurpose.nullable(),
  /** The school (community) the chat belongs to. */
  organizationId: Id,
  /** The class, for class chats. */
  classId: Id.nullable(),
  /** Title (for direct chats: the other person's name). */
  title: z.string(),
  /** Channels only: members may comment. */
  allowComments: z.boolean(),
  /** The caller's person in this chat. */
  myPersonId: Id,
  /** The caller's role. */
  myRole: MemberRole,
  /** Muted by a moderator until then (ms), or null. */
  mutedUntil: Timestamp.nullable(),
  /** True when the caller may post. */
  canPost: z.boolean(),
  /** Highest committed message position. */
  lastSeq: Seq,
  /** Highest change version (sync from here). */
  lastVersion: Seq,
  /** The caller's read position. */
  readSeq: Seq,
  /** Messages from others after the read position. */
  unread: Seq,
  /** Unread messages that mention the caller (or @all). */
  mentions: Seq,
  /** How many members. */
  memberCount: Seq,
  /** The newest message, if any. */
  lastMessage: Message.nullable(),
});
/** A chat in the caller's list. */
export type ChatSummary = z.infer<typeof ChatSummary>;

/** `GET /api/v1/chats`. */
export const ChatList = z.object({
  /** The caller's chats, most recently active first. */
  chats: z.array(ChatSummary),
});
/** `GET /api/v1/chats`. */
export type ChatList = z.infer<typeof ChatList>;

/** A member of a chat. */
export const ChatMember = z.object({
  /** The person. */
  personId: Id,
  /** Full name, «Фамилия Имя». */
  name: z.string(),
  /** Role in the chat. */
  role: MemberRole,
  /** Read position. */
  readSeq: Seq,
  /** Muted until (ms), or null. */
  mutedUntil: Timestamp.nullable(),
  /** The person's roles in the chat's school (student, teacher, parent, school_admin, staff), sorted, each once. */
  roles: z.array(Role),
  /** The person is a homeroom teacher («классный руководитель») of a class of the chat's school this academic year. */
  homeroom: z.boolean(),
});
/** A member of a chat. */
export type ChatMember = z.infer<typeof ChatMember>;

/** `GET /api/v1/chats/:id/members`. */
export const ChatMemberList = z.object({
  members: z.array(ChatMember),
});
/** `GET /api/v1/chats/:id/members`. */
export type ChatMemberList = z.infer<typeof ChatMemberList>;

/** `POST /api/v1/chats`: a group chat or a channel in one school. */
export const CreateChatRequest = z
  .object({
    /** `group` or `channel`. */
    kind: z.enum(['group', 'channel']),
    /** The school it belongs to. */
    organizationId: Id,
    /** Title. */
    title: z.string().trim().min(1).max(MAX_CHAT_TITLE_CHARS).superRefine(refuseBlank('a chat title')),
    /** People to add. */
    personIds: z.array(Id).max(5000).default([]),
    /** Whole classes to add (their students). */
    classIds: z.array(Id).max(50).default([]),
    /** Channels only: members may comment. */
    allowComments: z.boolean().default(false),
    /** Create a roster-style chat by hand (school admins, for schools without a journal). */
    purpose: ChatPurpose.optional(),
  })
  .strict();
/** `POST /api/v1/chats`. */
export type CreateChatRequest = z.infer<typeof CreateChatRequest>;

/** `POST /api/v1/chats/direct`: open (or find) the direct chat with a person. */
export const DirectChatRequest = z
  .object({
    /** The other person. */
    personId: Id,
  })
  .strict();
/** `POST /api/v1/chats/direct`. */
export type DirectChatRequest = z.infer<typeof DirectChatRequest>;

/** `POST /api/v1/chats/:id/members`. */
export const AddMembersRequest = z
  .object({
    /** Persons to add. */
    personIds: z.array(Id).min(1).max(5000),
  })
  .strict();
/** `POST /api/v1/chats/:id/members`. */
export type AddMembersRequest = z.infer<typeof AddMembersRequest>;

/** `PATCH /api/v1/chats/:id/members/:personId`: change a role, or mute. */
export const UpdateMemberRequest = z
  .object({
    /** New role. */
    role: MemberRole.optional(),
    /** Mute until this time (ms); null unmutes. */
    mutedUntil: Timestamp.nullable().optional(),
  })
  .strict();
/** `PATCH /api/v1/chats/:id/members/:personId`. */
export type UpdateMemberRequest = z.infer<typeof UpdateMemberRequest>;

/** Presence of a person as another member may see it. */
export const Presence = z.object({
  personId: Id,
  /** Online now (at least one open socket). */
  online: z.boolean(),
  /** When last seen online; null when hidden or never. */
  lastSeenAt: Timestamp.nullable(),
});
/** Presence. */
export type Presence = z.infer<typeof Presence>;

/** `POST /api/v1/organizations/:id/roster-sync`: what bringing the roster chats in step changed. */
export const RosterSyncResult = z.object({
  /** Chats created. */
  created: z.number().int().nonnegative(),
  /** Memberships added. */
  added: z.number().int().nonnegative(),
  /** Memberships removed (people who left the roster). */
  removed: z.number().int().nonnegative(),
  /** Roles changed. */
  changed: z.number().int().nonnegative(),
});
/** What a roster sync changed. */
export type RosterSyncResult = z.infer<typeof RosterSyncResult>;

/** A chat of the school the caller is not in, as its admins see it in the community view. */
export const CommunityChat = z.object({
  id: Id,
  kind: ChatKind,
  purpose: ChatPurpose.nullable(),
  title: z.string(),
  classId: Id.nullable(),
  memberCount: z.number().int().nonnegative(),
});
/** A chat of the school the caller is not in. */
export type CommunityChat = z.infer<typeof CommunityChat>;

/** `GET /api/v1/organizations/:id/community`: a school's space. */
export const Community = z.object({
  /** The school. */
  organizationId: Id,
  /** Its channels the caller is in (news first). */
  channels: z.array(ChatSummary),
  /** Its group and direct chats the caller is in. */
  chats: z.array(ChatSummary),
  /** School admins only: the school's other groups and channels (direct chats stay private). */
  others: z.array(CommunityChat),
});
/** A school's space. */
export type Community = z.infer<typeof Community>;
