package targets

import (
	"net/http"
	"testing"
	"time"
)

func TestNewHTTPClientWith(t *testing.T) {
	tr := NewHTTPClientWith(HTTPOptions{ConnectTimeout: 3 * time.Second, Insecure: true}).Transport.(*http.Transport)
	if tr.TLSHandshakeTimeout != 3*time.Second || tr.TLSClientConfig == nil || !tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("handshake %v, tls %+v", tr.TLSHandshakeTimeout, tr.TLSClientConfig)
	}
	def := NewHTTPClient().Transport.(*http.Transport)
	if def.TLSClientConfig != nil && def.TLSClientConfig.InsecureSkipVerify {
		t.Error("the default client skips TLS verification")
	}
	if def.ForceAttemptHTTP2 || !def.DisableCompression || def.Proxy == nil {
		t.Errorf("default transport: http2 %v, compression off %v, proxy %v", def.ForceAttemptHTTP2, def.DisableCompression, def.Proxy != nil)
	}
}
