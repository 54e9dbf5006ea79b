package httpapi

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Attachments are uploaded before they are used: the upload answers an
// altId (a UUID) that create-calltrack names in attachments.attachment[].
// Once an activity uses them they are listed and downloaded through it.

const (
	attachmentPath = "/core/casemgr/v3/attachment/"
	// maxNameLen limits an attachment's file name.
	maxNameLen = 255
	// multipartOverhead is what a multipart body may hold beyond its file:
	// boundaries and part headers.
	multipartOverhead = 64 << 10
)

// uploadAttachment serves POST /core/casemgr/v3/attachment. The file is
// either the raw body, with the file's Content-Type and its name in the
// name query parameter (or a Content-Disposition filename), or the one file
// part of a multipart/form-data body. It answers 201 with the altId.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	if err := checkParams(r, "name"); err != nil {
		return err
	}
	att, err := s.readUpload(w, r)
	if err != nil {
		return err
	}
	att.ID = uuid.NewString()
	att.Created = s.clock()
	att.UploadedBy = rc.actor.String()
	if err := s.store().Write(r.Context(), func(tx casemgr.Tx) error { return tx.InsertAttachment(att) }); err != nil {
		return err
	}
	w.Header().Set("Location", attachmentPath+att.ID)
	writeTree(w, rc, http.StatusCreated, "", uploadRep(att))
	return nil
}

// uploadRep represents an upload, without its bytes: its altId, name,
// content type and size.
func uploadRep(a *casemgr.Attachment) map[string]any {
	return map[string]any{"attachment": []any{map[string]any{
		"altId":       a.ID,
		"name":        a.Name,
		"contentType": a.ContentType,
		"size":        a.Size,
	}}}
}

// readUpload reads the uploaded file, its name and its content type.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (*casemgr.Attachment, error) {
	limit := s.maxAttachment()
	tooLarge := errf(casemgr.CodeAttachmentTooLarge, "max", strconv.FormatInt(limit, 10))
	mt, params := "application/octet-stream", map[string]string{}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		var err error
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return nil, errf(casemgr.CodeInvalidValue, "name", "Content-Type", "value", brief(ct))
		}
	}
	q := r.URL.Query()
	if mt == "multipart/form-data" {
		body := http.MaxBytesReader(w, r.Body, limit+multipartOverhead)
		att, err := readMultipartFile(body, params["boundary"], limit)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge
			}
			return nil, err
		}
		if q.Has("name") {
			att.Name = q.Get("name")
		}
		return att, checkFileName(att, q.Has("name"))
	}

	att := &casemgr.Attachment{ContentType: mime.FormatMediaType(mt, params)}
	switch {
	case q.Has("name"):
		att.Name = q.Get("name")
	case r.Header.Get("Content-Disposition") != "":
		if _, dp, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			att.Name = dp["filename"]
		}
	}
	if att.Name == "" && !q.Has("name") {
		return nil, errf(casemgr.CodeMissingParam, "name", "name")
	}
	if err := checkFileName(att, q.Has("name")); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, errf(casemgr.CodeMalformedBody, "reason", "the body could not be read")
	}
	if len(data) == 0 {
		return nil, errf(casemgr.CodeBodyRequired)
	}
	att.Data, att.Size = data, int64(len(data))
	return att, nil
}

// readMultipartFile reads the one file part of a multipart/form-data body.
// Any other part is an unsupported element: the upload takes nothing but
// the file.
func readMultipartFile(body io.Reader, boundary string, limit int64) (*casemgr.Attachment, error) {
	if boundary == "" {
		return nil, errf(casemgr.CodeMalformedBody, "reason", "the multipart Content-Type has no boundary")
	}
	mr := multipart.NewReader(body, boundary)
	var att *casemgr.Attachment
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, errf(casemgr.CodeMalformedBody, "reason", "invalid multipart body: "+err.Error())
		}
		if part.FileName() == "" {
			name := part.FormName()
			_ = part.Close()
			return nil, errf(casemgr.CodeUnsupportedElement, "name", name)
		}
		if att != nil {
			_ = part.Close()
			return nil, errf(casemgr.CodeUnsupportedElement, "name", part.FormName())
		}
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		_ = part.Close()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, errf(casemgr.CodeMalformedBody, "reason", "invalid multipart body: "+err.Error())
		}
		if int64(len(data)) > limit {
			return nil, &http.MaxBytesError{Limit: limit}
		}
		ct := "application/octet-stream"
		if v := part.Header.Get("Content-Type"); v != "" {
			pmt, pparams, err := mime.ParseMediaType(v)
			if err != nil {
				return nil, errf(casemgr.CodeInvalidValue, "name", "Content-Type", "value", brief(v))
			}
			ct = mime.FormatMediaType(pmt, pparams)
		}
		att = &casemgr.Attachment{Name: part.FileName(), ContentType: ct, Data: data, Size: int64(len(data))}
	}
	if att == nil {
		return nil, errf(casemgr.CodeMissingElement, "name", "file")
	}
	if att.Size == 0 {
		return nil, errf(casemgr.CodeBodyRequired)
	}
	return att, nil
}

// checkFileName keeps only the last element of a path as the name and
// refuses names that are empty, too long or hold control characters. From
// the name parameter a bad name is 400-102; from the body 400-152.
func checkFileName(att *casemgr.Attachment, fromParam bool) error {
	name := att.Name
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	bad := name == "" || name == "." || name == ".." || len(name) > maxNameLen || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, unicode.IsControl)
	if bad {
		if fromParam {
			return errf(casemgr.CodeUnsupportedParamValue, "name", "name", "value", brief(att.Name))
		}
		return errf(casemgr.CodeInvalidValue, "name", "filename", "value", brief(att.Name))
	}
	att.Name = name
	return nil
}

// uploadedAttachment serves GET /core/casemgr/v3/attachment/{altId}, the
// Location of an upload: its name, type and size, for the actor who
// uploaded it only (a client application: its own uploads); to anyone else
// it is not found, exactly as an unknown altId.
func (s *Server) uploadedAttachment(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	if err := checkParams(r); err != nil {
		return err
	}
	id := r.PathValue("altId")
	var list []casemgr.Attachment
	err := s.store().Read(r.Context(), func(tx casemgr.Tx) (err error) {
		list, err = tx.Attachments([]string{id}, false)
		return err
	})
	if err != nil {
		return err
	}
	if len(list) != 1 || !rc.actor.Owns(&list[0]) {
		return errf(casemgr.CodeNotFound, "entity", "attachment", "ids", id)
	}
	writeTree(w, rc, http.StatusOK, "", uploadRep(&list[0]))
	return nil
}

// activityAttachments serves GET /core/casemgr/v3/activity/{id}/attachment:
// the attachments of an activity the caller sees, without their bytes; 204
// when it has none.
func (s *Server) activityAttachments(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	actID, err := pathID(r)
	if err != nil {
		return err
	}
	var list []casemgr.Attachment
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		if _, _, err := s.visibleActivity(tx, rc.actor, actID); err != nil {
			return err
		}
		var err error
		list, err = tx.ActivityAttachments(actID)
		return err
	})
	if err != nil {
		return err
	}
	out := make([]any, 0, len(list))
	for _, a := range list {
		out = append(out, map[string]any{
			"id":          a.ID,
			"name":        a.Name,
			"contentType": a.ContentType,
			"size":        a.Size,
			"created":     casemgr.FormatTime(a.Created),
			"link":        linkTo("self", activityPath+wireID(actID)+"/attachment/"+a.ID),
		})
	}
	writeFound(w, rc, len(out), "", map[string]any{"attachment": out})
	return nil
}

// attachmentContent serves GET
// /core/casemgr/v3/activity/{id}/attachment/{attachmentId}: the bytes of an
// attachment of an activity the caller sees, with their content type, as a
// download.
func (s *Server) attachmentContent(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	actID, err := pathID(r)
	if err != nil {
		return err
	}
	altID := r.PathValue("attachmentId")
	var att *casemgr.Attachment
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		if _, _, err := s.visibleActivity(tx, rc.actor, actID); err != nil {
			return err
		}
		// Only a well-formed UUID can name an attachment; anything else
		// is not found without asking the database.
		if _, err := uuid.Parse(altID); err == nil {
			a, err := tx.AttachmentData(altID)
			if err != nil {
				return err
			}
			att = a
		}
		if att == nil || att.Activity != actID {
			return notFound("attachment", []string{brief(altID)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	ct := att.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": att.Name})
	if disposition == "" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Length", strconv.Itoa(len(att.Data)))
	// The bytes are the uploader's: never let a browser run them as a page
	// of this origin.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(att.Data)
	return nil
}
