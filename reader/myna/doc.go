// Package myna reads a physical My Number Card (マイナンバーカード) over a
// reader.Card: the 券面AP card face and the 券面事項入力補助AP text opened by
// 照合番号B, a chip signature over a fresh nonce, and (optionally) the JPKI
// 署名用電子証明書 opened by the 署名用パスワード.
//
// It returns the files exactly as read; checking them is verify/myna's job
// (this package never imports verify/, by the dependency rules in
// ARCHITECTURE.md). Facts and layouts: research/mynumbercard.md.
//
// # What it never does
//
//   - It never selects the My Number files (入力補助AP EF0001, 券面AP EF0005)
//     nor the 照合番号A key files (the key is the My Number itself): the one
//     function that builds SELECT EF commands refuses them ([ErrForbiddenFile]),
//     and READ BINARY is only ever built with an offset, never with a short EF
//     identifier that could name a file without selecting it. 番号法 §15/§19/§20.
//   - It never spends a try it was not told it may spend: before every VERIFY
//     it asks the card how many tries are left with an empty VERIFY, and with
//     fewer than two left it stops with [ErrRetriesLow] unless
//     Options.AllowLastTry is set.
//   - It never uses extended APDUs or logical channels other than 0 (the card
//     answers 6881 on them) and never keys anything on the ATR, which a
//     contactless reader synthesises (PC/SC part 3 §3.1.3.2.3).
package myna
