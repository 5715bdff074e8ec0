// Japanese is the source of truth for message keys: every other locale must
// have exactly these keys (enforced by the `Messages` type in en.ts).
// Placeholders are written {name}.
//
// Japanese has no spaces, and browsers may break a line inside a word
// (マイナンバー / カード). Long texts therefore mark phrase boundaries with
// U+200B (written \u200b); views that render phrases break lines only there
// (see Phrases.svelte). translate() removes the marks, so plain text, titles
// and aria labels never contain them.
export const ja = {
  'app.title': 'Taimen 対面 — 本人確認',
  'app.purpose': '本人確認',

  'lang.groupLabel': '表示言語',

  'demo.badge': 'デモ',
  'demo.description': 'デモモード：実際のカードではなくシミュレーターを使っています',

  'status.regionLabel': '読み取りの状態',

  'status.no_service.label': 'サービス停止中',
  'status.no_service.title': 'ICカードサービスが\u200b起動していません',
  'status.no_service.hint':
    'カードリーダーを\u200b使うための\u200bスマートカードサービスが\u200b動いていません。\u200bサービスを\u200b起動するか、\u200bシステム管理者に\u200b連絡してください。',

  'status.no_reader.label': 'リーダー未接続',
  'status.no_reader.title': 'カードリーダーが\u200b接続されていません',
  'status.no_reader.hint': 'USBカードリーダーを\u200bこの\u200bパソコンに\u200b接続してください。\u200b接続すると\u200b自動で\u200b認識します。',

  'status.ready.label': '読み取り待機中',
  'status.ready.title': 'スマートフォンまたは\u200bマイナンバーカードを\u200bリーダーに\u200bかざしてください',
  'status.ready.hint': '読み取りが\u200b終わるまで、\u200bリーダーの\u200b上に\u200b置いたままに\u200bしてください。',

  'status.present.label': '読み取り中',
  'status.present.title': '読み取り中です。\u200bカードを\u200b動かさないで\u200bください',
  'status.present.hint': '読み取りが\u200b終わると、\u200b画面が\u200b自動で\u200b切り替わります。',

  'reader.name': 'リーダー：{name}',
  'reader.none': 'リーダー：なし',

  'bridge.error.no_runtime': 'アプリ本体に接続されていません（ブラウザー表示）',
  'bridge.error.call_failed': 'アプリ本体から状態を取得できませんでした',
  'bridge.error.bad_payload': 'アプリ本体から想定外の応答がありました',

  'footer.version': 'バージョン {version}',
  'footer.privacy': '個人番号（マイナンバー）は\u200b読み取りません',
} satisfies Record<string, string>;

export type MessageKey = keyof typeof ja;
export type Messages = Record<MessageKey, string>;
