package mdoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/fxamacker/cbor/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"taimen/verify"
)

// respSeeds are the fuzzing seeds for the response decoders: the minted
// responses committed in testdata/ and the Annex D response.
func respSeeds(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "response_*.cbor"))
	if err != nil {
		t.Fatal(err)
	}
	var seeds [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return append(seeds, respVector(t, "annexd_device_response.cbor"))
}

// respParts are the pieces of the seeds, for the decoders of inner structures.
type respParts struct {
	msos, items, values, sign1s, mac0s [][]byte
}

func respSplit(t testing.TB) respParts {
	var p respParts
	for _, s := range respSeeds(t) {
		r, err := DecodeDeviceResponse(s)
		if err != nil {
			t.Fatalf("seed does not decode: %v", err)
		}
		for _, d := range r.Documents {
			p.sign1s = append(p.sign1s, d.IssuerSigned.IssuerAuth)
			if m, _, err := decodeSign1(d.IssuerSigned.IssuerAuth); err == nil {
				if payload, ok, _ := payloadBytes(m.Payload); ok {
					p.msos = append(p.msos, payload)
				}
			}
			for _, items := range d.IssuerSigned.NameSpaces {
				for _, it := range items {
					p.items = append(p.items, it.Inner)
					if v, err := DecodeIssuerSignedItem(it); err == nil {
						p.values = append(p.values, v.ElementValue)
					}
				}
			}
			if sig := d.DeviceSigned.DeviceAuth.DeviceSignature; sig != nil {
				p.sign1s = append(p.sign1s, sig)
			}
			if mac := d.DeviceSigned.DeviceAuth.DeviceMac; mac != nil {
				p.mac0s = append(p.mac0s, mac)
			}
		}
	}
	return p
}

func TestRespSeedCorpus(t *testing.T) {
	seeds := respSeeds(t)
	if len(seeds) < 5 {
		t.Fatalf("only %d response seeds", len(seeds))
	}
	p := respSplit(t)
	for name, s := range map[string][][]byte{"mso": p.msos, "item": p.items, "value": p.values, "sign1": p.sign1s, "mac0": p.mac0s} {
		if len(s) == 0 {
			t.Errorf("no %s seeds", name)
		}
	}
}

// FuzzVerifyResponse: any bytes give a verdict, never a panic, and the
// verdict is consistent with its checks.
func FuzzVerifyResponse(f *testing.F) {
	for _, s := range respSeeds(f) {
		f.Add(s)
	}
	a := respLoadAnnexD(f)
	opts := a.opts(respAnnexDAt)
	f.Fuzz(func(t *testing.T, data []byte) {
		res := verifyResponse(data, &opts) // no recover: a panic is a finding
		if res == nil {
			t.Fatal("nil result")
		}
		if res.Valid != (res.Status == verify.StatusValid) {
			t.Fatalf("valid %v with status %s", res.Valid, res.Status)
		}
		if c, _ := res.Checks.Get(CheckDecode); c.Status != verify.StatusValid && len(res.Documents) != 0 {
			t.Fatal("documents after a decode failure")
		}
		for _, d := range res.Documents {
			if len(d.Checks) != nDocChecks {
				t.Fatalf("%d checks", len(d.Checks))
			}
			if c, _ := d.Checks.Get(CheckDigests); c.Status != verify.StatusValid && c.Code != CodeDigestMismatch &&
				c.Code != CodeDigestMissing && c.Code != CodeItemMalformed && c.Code != CodeDuplicateElement && len(d.Elements) != 0 {
				t.Fatalf("elements shown with digests %s/%s", c.Status, c.Code)
			}
			if s, _ := d.Checks.Get(CheckIssuerSignature); s.Status != verify.StatusValid && len(d.Elements) != 0 {
				t.Fatal("elements shown without a valid issuer signature")
			}
		}
	})
}

// FuzzDecodeMSO checks the walker-based MSO decoder against the
// reflection-based one: whatever the strict decoder accepts, the walker
// accepts with the same content.
func FuzzDecodeMSO(f *testing.F) {
	for _, s := range respSplit(f).msos {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, err := DecodeMSO(payload)
		var tg Tag24
		if verify.Unmarshal(payload, &tg) != nil {
			if err == nil {
				t.Fatal("MSO accepted without a tag-24 wrapper")
			}
			return
		}
		var ref MSO
		if rerr := verify.Unmarshal(tg.Inner, &ref); rerr == nil && ref.Version != nil && ref.DigestAlgorithm != nil &&
			ref.ValueDigests != nil && ref.DeviceKeyInfo != nil && ref.DeviceKeyInfo.DeviceKey != nil && ref.DocType != nil &&
			ref.ValidityInfo != nil && ref.ValidityInfo.Signed != nil && ref.ValidityInfo.ValidFrom != nil && ref.ValidityInfo.ValidUntil != nil {
			if err != nil {
				t.Fatalf("strict decoder accepts, walker refuses: %v", err)
			}
			if *m.DocType != *ref.DocType || *m.DigestAlgorithm != *ref.DigestAlgorithm || !reflect.DeepEqual(m.ValueDigests, ref.ValueDigests) ||
				!m.ValidityInfo.ValidUntil.Time.Equal(ref.ValidityInfo.ValidUntil.Time) {
				t.Fatal("walker and strict decoder disagree")
			}
		}
	})
}

// FuzzDecodeIssuerSignedItem compares the walker with the strict decoder.
func FuzzDecodeIssuerSignedItem(f *testing.F) {
	for _, s := range respSplit(f).items {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, inner []byte) {
		var v itemView
		err := v.decode(inner)
		var ref struct {
			DigestID          *uint64 `cbor:"digestID"`
			Random            []byte  `cbor:"random"`
			ElementIdentifier *string `cbor:"elementIdentifier"`
			ElementValue      rawView `cbor:"elementValue"`
		}
		rerr := verify.Unmarshal(inner, &ref)
		if rerr == nil && ref.DigestID != nil && ref.Random != nil && ref.ElementIdentifier != nil && ref.ElementValue != nil {
			if err != nil {
				t.Fatalf("strict decoder accepts, walker refuses: %v", err)
			}
			if v.digestID != *ref.DigestID || string(v.elementIdentifier) != *ref.ElementIdentifier ||
				string(v.random) != string(ref.Random) || string(v.elementValue) != string(ref.ElementValue) {
				t.Fatal("walker and strict decoder disagree")
			}
		}
		if err == nil && rerr != nil {
			t.Fatalf("walker accepts what the strict decoder refuses: %v", rerr)
		}
	})
}

// rawView keeps any item's bytes, whatever its type.
type rawView []byte

func (r *rawView) UnmarshalCBOR(b []byte) error { *r = append([]byte{}, b...); return nil }

// FuzzValue: the walker accepts exactly what the strict decoder
// accepts into an interface, and the result marshals to valid JSON.
func FuzzValue(f *testing.F) {
	for _, s := range respSplit(f).values {
		f.Add(s)
	}
	for _, s := range []string{"\xd9\x03\xec\x6a1990-04-01", "\xc0\x742024-01-02T03:04:05Z", "\xa1\x01\x9f\x01\xff", "\xf9\x3e\x00", "\x3b\xff\xff\xff\xff\xff\xff\xff\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := DecodeValue(raw)
		var ref any
		rerr := verify.Unmarshal(raw, &ref)
		if rerr == nil && err != nil && !strings.Contains(err.Error(), "duplicate") {
			t.Fatalf("strict decoder accepts, walker refuses: %v", err)
		}
		if err != nil {
			return
		}
		j, jerr := v.MarshalJSON()
		if jerr != nil {
			t.Fatal(jerr)
		}
		if !jsonValid(j) {
			t.Fatalf("invalid JSON %s", j)
		}
	})
}

// FuzzVerifyDeviceMac: no panic on any COSE_Mac0; never verifies with a
// wrong key.
func FuzzVerifyDeviceMac(f *testing.F) {
	for _, s := range respSplit(f).mac0s {
		f.Add(s)
	}
	key := make([]byte, 32)
	f.Fuzz(func(t *testing.T, mac0 []byte) {
		if VerifyDeviceMac(mac0, key, []byte{0xd8, 0x18, 0x40}) == nil {
			t.Fatal("a MAC verified with an all-zero key")
		}
	})
}

// FuzzDecodeSign1: no panic; what decodes has the four parts.
func FuzzDecodeSign1(f *testing.F) {
	for _, s := range respSplit(f).sign1s {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, prot, err := decodeSign1(raw)
		if err != nil {
			return
		}
		if m.Protected == nil || m.Unprotected == nil || m.Payload == nil || m.Signature == nil || prot == nil {
			t.Fatal("incomplete COSE_Sign1 accepted")
		}
		protectedAlg(prot)
		if m.Unprotected[0]>>5 == 5 {
			w := walker{b: m.Unprotected}
			w.eachIntEntry("u", func(int64) (bool, error) { return false, nil })
		}
	})
}

// FuzzTDate: the walker accepts #6.0(tstr) or a plain tstr and agrees
// with the strict decoder and time.Parse.
func FuzzTDate(f *testing.F) {
	f.Add([]byte("\xc0\x742024-01-02T03:04:05Z"))
	f.Add([]byte("\x742024-01-02T03:04:05Z"))
	f.Add([]byte("\xc1\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d TDate
		err := d.UnmarshalCBOR(b)
		var s string
		tagged := len(b) > 0 && b[0]>>5 == 6
		if tagged {
			var tg cbor.Tag
			if verify.Unmarshal(b, &tg) != nil || tg.Number != 0 {
				if err == nil {
					t.Fatal("a tag other than 0 accepted")
				}
				return
			}
			str, ok := tg.Content.(string)
			if !ok {
				if err == nil {
					t.Fatal("tag 0 around a non-string accepted")
				}
				return
			}
			s = str
		} else if verify.Unmarshal(b, &s) != nil {
			if err == nil {
				t.Fatal("a tdate that is not a tstr accepted")
			}
			return
		}
		want, perr := time.Parse(time.RFC3339, s)
		if (perr == nil) != (err == nil) {
			t.Fatalf("walker err %v, time.Parse err %v", err, perr)
		}
		if err == nil && (!want.Equal(d.Time) || tagged != d.Tagged) {
			t.Fatalf("got %v/%v want %v/%v", d.Time, d.Tagged, want, tagged)
		}
	})
}

func jsonValid(b []byte) bool { return json.Valid(b) }

// FuzzDecodeDeviceResponse compares the walker-based decoder with the
// strict reflection-based one (the struct tags of DeviceResponse): whatever
// the strict decoder accepts, the walker accepts with the same content,
// and the walker accepts nothing the strict decoder calls malformed CBOR.
func FuzzDecodeDeviceResponse(f *testing.F) {
	for _, s := range respSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeDeviceResponse(data)
		var ref DeviceResponse
		rerr := verify.Unmarshal(data, &ref)
		if rerr == nil {
			rerr = ref.checkShape()
		}
		if rerr != nil {
			if err == nil && !errors.Is(rerr, verify.ErrTooLarge) {
				// The walker ignores entries with non-text keys that the
				// reflection decoder may refuse; anything else is a finding.
				if !strings.Contains(rerr.Error(), "cannot unmarshal") {
					t.Fatalf("walker accepts what the strict decoder refuses: %v", rerr)
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("strict decoder accepts, walker refuses: %v", err)
		}
		if *r.Version != *ref.Version || *r.Status != *ref.Status || len(r.Documents) != len(ref.Documents) ||
			!reflect.DeepEqual(r.DocumentErrors, ref.DocumentErrors) {
			t.Fatal("walker and strict decoder disagree on the response")
		}
		for i := range r.Documents {
			a, b := r.Documents[i], ref.Documents[i]
			if *a.DocType != *b.DocType || !bytes.Equal(a.IssuerSigned.IssuerAuth, b.IssuerSigned.IssuerAuth) ||
				!bytes.Equal(a.DeviceSigned.NameSpaces.Raw, b.DeviceSigned.NameSpaces.Raw) ||
				!bytes.Equal(a.DeviceSigned.DeviceAuth.DeviceMac, b.DeviceSigned.DeviceAuth.DeviceMac) ||
				!bytes.Equal(a.DeviceSigned.DeviceAuth.DeviceSignature, b.DeviceSigned.DeviceAuth.DeviceSignature) ||
				!reflect.DeepEqual(a.Errors, b.Errors) || len(a.IssuerSigned.NameSpaces) != len(b.IssuerSigned.NameSpaces) {
				t.Fatalf("walker and strict decoder disagree on document %d", i)
			}
			for ns, items := range b.IssuerSigned.NameSpaces {
				if len(a.IssuerSigned.NameSpaces[ns]) != len(items) {
					t.Fatalf("namespace %s: %d items, strict %d", ns, len(a.IssuerSigned.NameSpaces[ns]), len(items))
				}
				for j := range items {
					if !bytes.Equal(a.IssuerSigned.NameSpaces[ns][j].Raw, items[j].Raw) || !bytes.Equal(a.IssuerSigned.NameSpaces[ns][j].Inner, items[j].Inner) {
						t.Fatalf("namespace %s item %d differs", ns, j)
					}
				}
			}
		}
	})
}
