// Package myna reads a physical My Number Card (マイナンバーカード) over a
// reader.Card: the 券面AP card face and the 券面事項入力補助AP text opened by
// 照合番号B, a chip signature over a fresh nonce, and (optionally) the JPKI
// 署名用電子証明書 opened by the 署名用パスワード.
//
// It returns the files exactly as read; checking them is verify/myna's job
// (this package never imports verify/, by the dependency rules in
// ARCHITECTURE.md). Facts and layouts: research/mynumbercard.md.
//
// # The 照合番号B read ([ReadFace])
//
//	SELECT each AID (00 A4 04 0C 0A <AID>)          detection, never the ATR
//	SELECT 入力補助AP, SELECT EF0015 (照合番号B key)
//	VERIFY 00 20 00 80 (no data)                    tries left: 63Cx, 9000 already verified
//	VERIFY 00 20 00 80 0E <14 digits>              only with ≥ 2 tries left (or AllowLastTry)
//	SELECT + READ BINARY EF0002, EF0003, EF0004, EF0007
//	SELECT 券面AP, SELECT EF0012, the same two VERIFYs
//	SELECT + READ BINARY EF0002, EF0003, EF0004
//	80 2A 00 00 33 <DigestInfo(SHA-256(nonce))> 00  the chip signs a fresh nonce
//
// Each file is read as one BER-TLV object: 7 bytes for the header, then the
// rest in chunks of at most 256 bytes (short APDUs, 15-bit offsets). The
// signing-certificate route ([ReadSignCert]) is the same pattern on the
// JPKI AP with the 署名用パスワード (EF001B), EF0002/EF0001 and 80 2A 00 80
// after selecting the signing key EF001A.
//
// Open the card through a pcsc.Opener with [TransceiverOptions]: it connects
// exclusively and powers the card off on Close, which is what drops the
// verified state (a warm reset does not, research §1.1).
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
