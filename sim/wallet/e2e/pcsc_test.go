package e2e

import (
	"context"
	"testing"
	"time"

	"taimen/reader"
	"taimen/reader/nfc"
	"taimen/reader/pcsc"
	"taimen/reader/pcsc/pcsctest"
	"taimen/reader/transport"
	"taimen/sim/vicc"
	"taimen/sim/wallet"
	"taimen/verify/mdoc"
	"taimen/verify/mdoc/mdoctest"
	"taimen/verify/trust"
)

// Every wait is bounded by this; nothing sleeps.
const bound = 15 * time.Second

var daemon *pcsctest.Daemon

func TestMain(m *testing.M) { pcsctest.Main(m, &daemon) }

// insert runs the wallet as the virtual card in slot 0 and waits until
// pcscd reports it present.
func insert(t *testing.T, w *wallet.Wallet) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := vicc.New(daemon.VPCDAddr(0), w)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(bound):
			t.Error("vicc did not stop")
		}
		// The next test starts from an empty reader.
		waitPresent(t, daemon.ReaderName(0), false)
	})
	waitPresent(t, daemon.ReaderName(0), true)
}

// waitPresent waits until pcscd reports the reader with (or without) a card.
func waitPresent(t *testing.T, name string, present bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	found := make(chan struct{})
	m := &pcsc.Monitor{}
	err := m.Run(ctx, func(s reader.Snapshot) {
		if r, ok := s.Reader(name); ok && r.CardPresent == present {
			select {
			case <-found:
			default:
				close(found)
				cancel()
			}
		}
	})
	select {
	case <-found:
	default:
		t.Fatalf("%s never had card present = %v: %v\n%s", name, present, err, daemon.Log())
	}
}

// TestStaticEngagementAndNFCTransfer: a tap on a real pcscd, static
// handover, NFC data retrieval with ENVELOPE, verification against the
// wallet's IACA; with short APDUs (chaining, GET RESPONSE) and with
// extended APDUs small enough for a vpcd frame.
func TestStaticEngagementAndNFCTransfer(t *testing.T) {
	tests := []struct {
		name string
		opts reader.Options
		ne   int
		h    wallet.Handover
		auth wallet.DeviceAuth
	}{
		{"static short apdus signature", reader.Options{Length: reader.LengthShort}, 256, wallet.Static, wallet.Signature},
		{"static extended apdus mac", reader.Options{MaxCommandData: 4096}, 0xFFFF - 2, wallet.Static, wallet.MAC},
		{"apple short apdus", reader.Options{Length: reader.LengthShort}, 256, wallet.Apple, wallet.Signature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := wallet.New(wallet.Options{Handover: tt.h, DeviceAuth: tt.auth})
			if err != nil {
				t.Fatal(err)
			}
			insert(t, w)
			ctx := context.Background()
			conn, err := pcsc.Opener{Options: tt.opts}.Connect(ctx, daemon.ReaderName(0))
			if err != nil {
				t.Fatalf("connect: %v\n%s", err, daemon.Log())
			}
			defer conn.Close()

			res, err := nfc.Engage(ctx, conn, nfc.Options{OfferNFC: true})
			if err != nil {
				t.Fatalf("engage: %v", err)
			}
			wantKind := nfc.Static
			if tt.h != wallet.Static {
				wantKind = nfc.Negotiated
			}
			if res.Handover != wantKind || res.NFC == nil {
				t.Fatalf("handover %v nfc %v", res.Handover, res.NFC)
			}
			de, err := mdoc.ParseDeviceEngagement(res.DeviceEngagement)
			if err != nil {
				t.Fatal(err)
			}
			h, err := mdoc.HandoverNFC(res.Hs, res.Hr)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := mdoc.NewReaderSession(de, h, nil)
			if err != nil {
				t.Fatal(err)
			}
			specs := []mdoc.DocRequestSpec{{DocType: mdoctest.DocTypeMNC, Elements: []mdoc.ElementRequest{
				{Namespace: mdoctest.Namespace23220, Element: "age_over_20"},
				{Namespace: mdoctest.NamespaceJP, Element: "full_name_unicode"},
				{Namespace: mdoctest.NamespaceJP, Element: "portrait"},
			}}}
			req, err := mdoc.BuildDeviceRequest(specs, nil, rs.Transcript())
			if err != nil {
				t.Fatal(err)
			}
			se, err := rs.SessionEstablishment(req)
			if err != nil {
				t.Fatal(err)
			}
			r, err := conn.Transmit(ctx, reader.Command{INS: 0xA4, P1: 0x04, Data: []byte{0xA0, 0x00, 0x00, 0x02, 0x48, 0x04, 0x00}, Ne: 256})
			if err != nil || !r.OK() {
				t.Fatalf("select mdoc: %v %04x", err, r.SW)
			}
			env, err := transport.AppendDO53(nil, se)
			if err != nil {
				t.Fatal(err)
			}
			r, err = conn.Transmit(ctx, reader.Command{INS: 0xC3, Data: env, Ne: tt.ne})
			if err != nil || !r.OK() {
				t.Fatalf("envelope: %v %04x", err, r.SW)
			}
			sd, err := transport.ParseDO53(r.Data)
			if err != nil {
				t.Fatal(err)
			}
			plain, _, err := rs.Decrypt(sd)
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			tr := rs.Transcript()
			result := mdoc.VerifyResponse(plain, mdoc.VerifyOptions{
				Trust:      trust.NewStore(trust.NewAnchor(w.IACA(), trust.IACA, "sim")),
				At:         time.Now(),
				Transcript: &tr,
				ReaderKey:  rs.EReaderKeyPrivate(),
				Requested:  map[string]map[string]map[string]bool{mdoctest.DocTypeMNC: {mdoctest.Namespace23220: {"age_over_20": false}, mdoctest.NamespaceJP: {"full_name_unicode": false, "portrait": false}}},
			})
			if !result.Valid {
				t.Fatalf("verdict %s: %+v", result.Status, result.Checks)
			}
			els := result.Documents[0].Elements
			if len(els[mdoctest.NamespaceJP]) != 2 || len(els[mdoctest.Namespace23220]) != 1 || len(result.Documents[0].Unrequested) != 0 {
				t.Fatalf("elements %v", els)
			}
			// End the session.
			term, err := transport.AppendDO53(nil, rs.Terminate())
			if err != nil {
				t.Fatal(err)
			}
			r, err = conn.Transmit(ctx, reader.Command{INS: 0xC3, Data: term, Ne: 256})
			if err != nil || !r.OK() {
				t.Fatalf("termination: %v %04x", err, r.SW)
			}
			st := w.Stats()
			t.Logf("%d APDUs, %d bytes in, %d bytes out", st.APDUs, st.BytesIn, st.BytesOut)
		})
	}
}
