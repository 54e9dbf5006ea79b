package auth

import (
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Paths of the authentication manager, for the metadata documents.
const (
	TokenPath           = "/core/authmgr/v3/oauth2/token"
	MetadataPath        = "/core/authmgr/v3/metadata/deployment"
	TenantMetadataPath  = "/core/authmgr/v3/metadata/tenant/"
	defaultPublicOrigin = "http://localhost"
)

// metadataDoc is the metadata document of eGain's authentication manager,
// which eGain's SDKs read first to find the token endpoint. casemgr has no
// authorization-code flow, so authURL is absent.
type metadataDoc struct {
	AuthenticationDetails struct {
		OAuthUser           []tokenURL `json:"oAuthUser"`
		OAuthClient         []tokenURL `json:"oAuthClient"`
		APIPermissionPrefix string     `json:"apiPermissionPrefix"`
	} `json:"authenticationDetails"`
	APIMetadata struct {
		CORE struct {
			APIPermissionPrefix  string `json:"apiPermissionPrefix"`
			IAPIPermissionPrefix string `json:"iApiPermissionPrefix"`
			EAPIPermissionPrefix string `json:"eApiPermissionPrefix"`
		} `json:"CORE"`
	} `json:"apiMetadata"`
	DomainURL string `json:"domainURL"`
}

type tokenURL struct {
	AccessTokenURL string `json:"accessTokenURL"`
}

// publicURL is the configured public base URL without a trailing slash.
func (s *Service) publicURL() string {
	u := strings.TrimRight(s.PublicURL, "/")
	if u == "" {
		return defaultPublicOrigin
	}
	return u
}

func (s *Service) metadata() metadataDoc {
	var d metadataDoc
	base := s.publicURL()
	tok := []tokenURL{{AccessTokenURL: base + TokenPath}}
	d.AuthenticationDetails.OAuthUser = tok
	d.AuthenticationDetails.OAuthClient = tok
	d.AuthenticationDetails.APIPermissionPrefix = ScopePrefix
	d.APIMetadata.CORE.APIPermissionPrefix = ScopePrefix
	d.APIMetadata.CORE.IAPIPermissionPrefix = ScopePrefix
	d.APIMetadata.CORE.EAPIPermissionPrefix = ScopePrefix
	d.DomainURL = base
	return d
}

// MetadataHandler serves GET /core/authmgr/v3/metadata/deployment and
// GET /core/authmgr/v3/metadata/tenant/{tenantId} without authentication:
// where to get tokens and how scopes are named, with URLs derived from
// PublicURL. The tenant is the world's (Settings.TenantID, default
// casemgr); another is 404-101. Query parameters are refused (400-101).
// The documents are JSON only.
func (s *Service) MetadataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			s.methodNotAllowed(w, r, http.MethodGet)
			return
		}
		for name := range r.URL.Query() {
			s.writeError(w, r, casemgr.E(casemgr.CodeUnsupportedParam, "name", name))
			return
		}
		if tenant, ok := strings.CutPrefix(r.URL.Path, TenantMetadataPath); ok {
			var settings casemgr.Settings
			err := s.Store.Read(r.Context(), func(tx casemgr.Tx) error {
				var err error
				settings, err = tx.Settings()
				return err
			})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if tenant != settings.Tenant() {
				s.writeError(w, r, casemgr.E(casemgr.CodeNotFound, "entity", "tenant", "ids", tenant))
				return
			}
		}
		writeJSON(w, http.StatusOK, s.metadata())
	})
}
