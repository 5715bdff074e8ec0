package mynatest

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"sync"
)

// stream expands a label into n deterministic bytes (SHA-256 in counter
// mode). Only for test keys.
func stream(label string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var ctr [4]byte
	for i := uint32(0); len(out) < n; i++ {
		binary.BigEndian.PutUint32(ctr[:], i)
		h := sha256.New()
		h.Write(ctr[:])
		h.Write([]byte(label))
		out = h.Sum(out)
	}
	return out[:n]
}

var (
	keyMu    sync.Mutex
	keyCache = map[string]*rsa.PrivateKey{}
)

// rsaKey derives an RSA-2048 key (e = 65537) from a label. Go 1.26's
// rsa.GenerateKey ignores the caller's randomness, so the primes are
// searched from a deterministic stream instead. Keys are cached: a search
// takes tens of milliseconds and the simulator and tests mint many cards.
func rsaKey(label string) (*rsa.PrivateKey, error) {
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := keyCache[label]; ok {
		return k, nil
	}
	const bits = 2048
	e := big.NewInt(65537)
	one := big.NewInt(1)
	prime := func(which string) *big.Int {
		for i := 0; ; i++ {
			b := stream(fmt.Sprintf("mynatest rsa %s %d\x00%s", which, i, label), bits/16)
			b[0] |= 0xc0 // top two bits set: n has exactly 2048 bits
			b[len(b)-1] |= 1
			p := new(big.Int).SetBytes(b)
			for j := 0; j < 20000; j++ {
				if p.ProbablyPrime(20) && new(big.Int).GCD(nil, nil, e, new(big.Int).Sub(p, one)).Cmp(one) == 0 {
					return p
				}
				p.Add(p, big.NewInt(2))
			}
		}
	}
	p, q := prime("p"), prime("q")
	if p.Cmp(q) == 0 {
		return nil, fmt.Errorf("mynatest: rsa primes collide for %q", label)
	}
	n := new(big.Int).Mul(p, q)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	d := new(big.Int).ModInverse(e, phi)
	if d == nil {
		return nil, fmt.Errorf("mynatest: rsa exponent for %q", label)
	}
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d, Primes: []*big.Int{p, q}}
	k.Precompute()
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("mynatest: rsa %q: %w", label, err)
	}
	keyCache[label] = k
	return k, nil
}
