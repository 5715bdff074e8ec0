package transport

// Helpers of the internal tests, for the external test package
// (ble_link_test.go, bench_link_test.go).
var (
	TestService  = testService
	TestEDK      = testEDK
	IdentByHand  = identByHand
	Pattern      = pattern
	CheckErrs    = checkErrs
	HolderChunks = holderChunks
	CtxT         = ctxT
)

// Ended reports whether b has recorded why the session is over.
func Ended(b *BLE) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.endErr != nil
}
