package trusttest

import (
	"crypto/rsa"
	"fmt"
	"math/big"
)

// rsaKey derives an RSA key from a label. crypto/rsa.GenerateKey ignores the
// caller's randomness in Go 1.26, so primes are searched here from a
// deterministic stream. Only for tests: RSA exists in this package to prove
// that the verifier rejects it.
func rsaKey(label string, bits int) (*rsa.PrivateKey, error) {
	if bits < 512 || bits%2 != 0 {
		return nil, fmt.Errorf("%w: rsa bits %d", errCfg, bits)
	}
	e := big.NewInt(65537)
	one := big.NewInt(1)
	prime := func(which string) *big.Int {
		for i := 0; ; i++ {
			b := stream(fmt.Sprintf("rsa %d %s %d\x00%s", bits, which, i, label), bits/16)
			b[0] |= 0xc0 // top two bits: n has exactly `bits` bits
			b[len(b)-1] |= 1
			p := new(big.Int).SetBytes(b)
			for j := 0; j < 10000; j++ {
				if p.ProbablyPrime(20) {
					pm1 := new(big.Int).Sub(p, one)
					if new(big.Int).GCD(nil, nil, e, pm1).Cmp(one) == 0 {
						return p
					}
				}
				p.Add(p, big.NewInt(2))
			}
		}
	}
	p, q := prime("p"), prime("q")
	if p.Cmp(q) == 0 {
		return nil, fmt.Errorf("%w: rsa primes collide", errCfg)
	}
	n := new(big.Int).Mul(p, q)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	d := new(big.Int).ModInverse(e, phi)
	if d == nil {
		return nil, fmt.Errorf("%w: rsa exponent", errCfg)
	}
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d, Primes: []*big.Int{p, q}}
	k.Precompute()
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("trusttest: rsa: %w", err)
	}
	return k, nil
}
