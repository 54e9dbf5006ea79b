package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client is one simulated API client: a user's token and an HTTP client
// whose connections stay open between requests.
type client struct {
	base  string
	hc    *http.Client
	token string
	// user is the ID of the client's user.
	user int64
	buf  bytes.Buffer
}

// newHTTPClient returns an HTTP client that keeps up to conns connections
// to the server open.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     0,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// login obtains a user token with the password grant.
func login(ctx context.Context, hc *http.Client, base, user, password string) (string, error) {
	return grant(ctx, hc, base, user, url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}})
}

// grant obtains a token of who with the grant of form.
func grant(ctx context.Context, hc *http.Client, base, user string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/core/authmgr/v3/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login as %s: %s: %s", user, resp.Status, bytes.TrimSpace(body))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("login as %s: no access token in %s", user, body)
	}
	return tok.AccessToken, nil
}

// response is what a request answered.
type response struct {
	status int
	code   string // the eGain error code of an error body
	body   []byte
}

// do sends a request; body, when not nil, is sent as JSON. The answer's
// body is read whole (the server's work includes writing it).
func (c *client) do(ctx context.Context, method, path string, body []byte, auth bool) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	c.buf.Reset()
	if _, err := c.buf.ReadFrom(resp.Body); err != nil {
		return response{status: resp.StatusCode}, err
	}
	r := response{status: resp.StatusCode, body: c.buf.Bytes()}
	if r.status >= 400 {
		var e struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(r.body, &e) == nil {
			r.code = e.Code
		}
	}
	return r, nil
}
