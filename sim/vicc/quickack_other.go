//go:build !linux

package vicc

import "net"

// quickAck is Linux-only; elsewhere a round trip may take the delayed-ACK
// time (~40 ms) but still works.
func quickAck(net.Conn) {}
