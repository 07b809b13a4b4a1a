import { z } from 'zod';
import { DecimalParam, Id, MAX_SEQ, Seq, Timestamp } from './common.js';
import { Role } from './directory.js';

/** The longest message text, in characters. */
export const MAX_MESSAGE_CHARS = 4096;
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

/** A client-generated id that makes a send idempotent: a retried send is stored once. */
export const ClientId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'client ids hold only A-Z, a-z, 0-9, "_" and "-"');

/** Text of a message: 1–4,096 characters, not only whitespace. Light formatting: *bold*, _italic_, links. */
export const MessageText = z
  .string()
  .max(MAX_MESSAGE_CHARS, `a message holds at most ${MAX_MESSAGE_CHARS} characters`)
  .refine((t) => t.trim().length > 0, 'a message cannot be empty');

/** An emoji reaction: one grapheme of up to 16 UTF-16 units. */
export const Emoji = z
  .string()
  .min(1)
  .refine((e) => e.length <= 16, 'an emoji holds at most 16 UTF-16 units');

/** The message a reply quotes. */
export const ReplyRef = z.object({
  /** Sequence number of the quoted message in the same chat. */
  seq: Seq.min(1),
  /** Its author. */
  senderPersonId: Id,
  /** The first 200 characters of its text ('' when deleted). */
  excerpt: z.string(),
});

/** Where a forwarded message came from. */
export const ForwardRef = z.object({
  /** The original author's name. */
  senderName: z.string(),
  /** The original chat's title. */
  chatTitle: z.string(),
  /** When the original was sent. */
  sentAt: Timestamp,
});

/** A message as every member sees it. */
export const Message = z.object({
  /** Global message id. */
  id: Id,
  /** The chat. */
  chatId: Id,
  /** Position in the chat's log: 1, 2, 3, … with no gaps between committed messages. */
  seq: Seq.min(1),
  /**
   * The chat's change counter at this message's last change. Every new message and every edit,
   * deletion, reaction or pin takes the chat's next version; clients sync from the highest seen.
   */
  version: Seq.min(1),
  /** Author. */
  senderPersonId: Id,
  /** The sender's idempotency key. */
  clientId: z.string(),
  /** Text; empty once deleted. */
  text: z.string(),
  /** Persons mentioned with @. */
  mentions: z.array(Id),
  /** True when the author mentioned @all. */
  mentionAll: z.boolean(),
  /** An announcement every member must acknowledge (read). */
  mustAcknowledge: z.boolean(),
  /** The quoted message, for replies. */
  replyTo: ReplyRef.nullable(),
  /** The origin, for forwarded messages. */
  forwardedFrom: ForwardRef.nullable(),
  /** Reactions: emoji → persons who reacted. */
  reactions: z.record(z.string(), z.array(Id)),
  /** Pinned in the chat. */
  pinned: z.boolean(),
  /** When it was committed. */
  createdAt: Timestamp,
  /** Last edit, or null. */
  editedAt: Timestamp.nullable(),
  /** When deleted for everyone, or null. */
  deletedAt: Timestamp.nullable(),
});
/** A message. */
export type Message = z.infer<typeof Message>;

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
    title: z.string().trim().min(1).max(MAX_CHAT_TITLE_CHARS),
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

/** A message to send (over the WebSocket as `message.send`, or `POST /api/v1/chats/:id/messages`). */
export const SendMessage = z
  .object({
    /** Idempotency key. */
    clientId: ClientId,
    /** Text. */
    text: MessageText,
    /** Reply to this message of the same chat. */
    replyToSeq: Seq.min(1).optional(),
    /** Persons mentioned. */
    mentions: z.array(Id).max(100).default([]),
    /** Mention everybody (teachers and admins only). */
    mentionAll: z.boolean().default(false),
    /** Every member must acknowledge it (teachers and admins only). */
    mustAcknowledge: z.boolean().default(false),
    /** Forward this message (its text is kept, `text` is ignored when empty). */
    forward: z
      .object({ chatId: Id, seq: Seq.min(1) })
      .strict()
      .optional(),
  })
  .strict();
/** A message to send. */
export type SendMessage = z.infer<typeof SendMessage>;

/** The server stored a send (or had stored it before: a retry). */
export const SendAck = z.object({
  /** Echo of the client id. */
  clientId: z.string(),
  /** The chat. */
  chatId: Id,
  /** The message's position. */
  seq: Seq.min(1),
  /** Message id. */
  id: Id,
  /** Commit time. */
  createdAt: Timestamp,
  /** True when this was a retry of a send already stored. */
  duplicate: z.boolean(),
});
/** The server stored a send. */
export type SendAck = z.infer<typeof SendAck>;

/** `PATCH /api/v1/chats/:id/messages/:seq`. */
export const EditMessageRequest = z.object({ text: MessageText }).strict();
/** `POST /api/v1/chats/:id/messages/:seq/reactions`. */
export const ReactRequest = z.object({ emoji: Emoji }).strict();
/** `POST /api/v1/chats/:id/read`. */
export const ReadRequest = z.object({ seq: Seq }).strict();
/** `POST /api/v1/chats/:id/messages/:seq/report`. */
export const ReportRequest = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();

/** `GET /api/v1/chats/:id/messages`: a page of the log. */
export const MessagePageQuery = z
  .object({
    /** Messages with a position below this (older). */
    before: DecimalParam.pipe(z.number().min(1).max(MAX_SEQ)).optional(),
    /** Messages with a position above this (newer). */
    after: DecimalParam.pipe(z.number().max(MAX_SEQ)).optional(),
    /** Page size. */
    limit: DecimalParam.pipe(z.number().min(1).max(500)).default(50),
  })
  .strict();
/** A page of the log. */
export type MessagePageQuery = z.infer<typeof MessagePageQuery>;

/** A page of messages, in log order. */
export const MessagePage = z.object({
  messages: z.array(Message),
  /** True when more exist in the paged direction. */
  hasMore: z.boolean(),
});
/** A page of messages. */
export type MessagePage = z.infer<typeof MessagePage>;

/** `GET /api/v1/chats/:id/messages/:seq/readers`: who has read a message and who has not. */
export const Readers = z.object({
  /** Members whose read position is at or past the message. */
  read: z.array(Id),
  /** Members who have not read it yet. */
  unread: z.array(Id),
});
/** Who has read a message. */
export type Readers = z.infer<typeof Readers>;

/** An earlier text of an edited message (moderators). */
export const MessageEdit = z.object({ text: z.string(), editedAt: Timestamp });
/** `GET /api/v1/chats/:id/messages/:seq/history`. */
export const EditHistory = z.object({ edits: z.array(MessageEdit) });
/** `GET /api/v1/chats/:id/messages/:seq/history`. */
export type EditHistory = z.infer<typeof EditHistory>;

/** `GET /api/v1/search?q=`. */
export const SearchQuery = z
  .object({
    /** Words to find (Russian stemming: «уроки» finds «урок»). */
    q: z.string().trim().min(2).max(200),
    /** Only this chat. */
    chatId: DecimalParam.pipe(z.number().min(1).max(MAX_SEQ)).optional(),
    /** Page size. */
    limit: DecimalParam.pipe(z.number().min(1).max(100)).default(30),
  })
  .strict();
/** `GET /api/v1/search`. */
export type SearchQuery = z.infer<typeof SearchQuery>;

/** Search results, newest first. */
export const SearchResults = z.object({ messages: z.array(Message) });
/** Search results. */
export type SearchResults = z.infer<typeof SearchResults>;

/** A report in a school's moderation queue. */
export const Report = z.object({
  id: Id,
  chatId: Id,
  organizationId: Id,
  message: Message,
  reporterPersonId: Id,
  reason: z.string(),
  createdAt: Timestamp,
  resolvedAt: Timestamp.nullable(),
  resolution: z.enum(['deleted', 'dismissed', 'muted', 'removed']).nullable(),
});
/** A report. */
export type Report = z.infer<typeof Report>;

/** `GET /api/v1/organizations/:id/reports`. */
export const ReportList = z.object({ reports: z.array(Report) });
/** `GET /api/v1/organizations/:id/reports`. */
export type ReportList = z.infer<typeof ReportList>;

/** `POST /api/v1/reports/:id/resolve`. */
export const ResolveReportRequest = z
  .object({
    /** What to do: delete the message, dismiss the report, mute the author for a day, or remove them from the chat. */
    action: z.enum(['deleted', 'dismissed', 'muted', 'removed']),
  })
  .strict();

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
