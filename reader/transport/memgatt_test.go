package transport

// The in-memory GATT radio the BLE tests run over is
// reader/transport/transporttest; the tests that use it are in the external
// package transport_test (ble_link_test.go), since transporttest imports
// this package.

// holderChunks splits msg as a holder would at the given MTU: written out
// apart from AppendChunks so the tests do not check the code with itself.
func holderChunks(msg []byte, mtu int) [][]byte {
	n := min(512, mtu-3) - 1
	var out [][]byte
	for len(msg) > n {
		out = append(out, append([]byte{1}, msg[:n]...))
		msg = msg[n:]
	}
	return append(out, append([]byte{0}, msg...))
}
