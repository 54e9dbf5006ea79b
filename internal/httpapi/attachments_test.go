package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

const uploadPath = "/core/casemgr/v3/attachment"

// rtUpload uploads a raw file and returns its altId.
func rtUpload(t *testing.T, h *harness, token, name, contentType, data string) string {
	t.Helper()
	res := h.do("POST", uploadPath+"?name="+name, token, data, "Content-Type", contentType)
	res.expect(t, 201, "")
	return atString(res.JSON(t), "attachment.0.altId")
}

// rtAttach marks uploaded attachments as used by an activity, as
// create-calltrack does.
func rtAttach(t *testing.T, h *harness, activity casemgr.ID, ids ...string) {
	t.Helper()
	err := h.db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.AttachAttachments(ids, activity) })
	if err != nil {
		t.Fatal(err)
	}
}

// rtMultipart builds a multipart/form-data body of parts given as
// name, filename ("" for a plain field), content.
func rtMultipart(parts ...string) (contentType, body string) {
	const boundary = "rt-boundary-7MA4YWxkTrZu0gW"
	var b strings.Builder
	for i := 0; i+2 < len(parts); i += 3 {
		b.WriteString("--" + boundary + "\r\n")
		if parts[i+1] != "" {
			b.WriteString(`Content-Disposition: form-data; name="` + parts[i] + `"; filename="` + parts[i+1] + "\"\r\n")
			b.WriteString("Content-Type: image/png\r\n\r\n")
		} else {
			b.WriteString(`Content-Disposition: form-data; name="` + parts[i] + "\"\r\n\r\n")
		}
		b.WriteString(parts[i+2] + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return "multipart/form-data; boundary=" + boundary, b.String()
}

func TestUploadAttachment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")

		t.Run("raw_body_with_name_parameter", func(t *testing.T) {
			res := h.do("POST", uploadPath+"?name=notes.txt", jenny, "hello", "Content-Type", "text/plain; charset=utf-8")
			res.expect(t, 201, "")
			a := at(res.JSON(t), "attachment.0")
			alt := atString(a, "altId")
			if u, err := uuid.Parse(alt); err != nil || u.Version() != 4 {
				t.Errorf("altId %q is not a UUID v4: %v", alt, err)
			}
			rtWant(t, "Location", res.Header.Get("Location"), "/core/casemgr/v3/attachment/"+alt)
			rtWant(t, "name", atString(a, "name"), "notes.txt")
			rtWant(t, "contentType", atString(a, "contentType"), "text/plain; charset=utf-8")
			rtWant(t, "size", at(a, "size"), 5)
		})

		t.Run("raw_body_with_content_disposition", func(t *testing.T) {
			res := h.do("POST", uploadPath, jenny, "%PDF-1.4", "Content-Type", "application/pdf",
				"Content-Disposition", `attachment; filename="report 2026.pdf"`)
			res.expect(t, 201, "")
			rtWant(t, "name", atString(res.JSON(t), "attachment.0.name"), "report 2026.pdf")
			rtWant(t, "contentType", atString(res.JSON(t), "attachment.0.contentType"), "application/pdf")
		})

		t.Run("multipart_file", func(t *testing.T) {
			ct, body := rtMultipart("file", "pixel.png", "PNGDATA")
			res := h.do("POST", uploadPath, h.client(), body, "Content-Type", ct)
			res.expect(t, 201, "")
			a := at(res.JSON(t), "attachment.0")
			rtWant(t, "name", atString(a, "name"), "pixel.png")
			rtWant(t, "contentType", atString(a, "contentType"), "image/png")
			rtWant(t, "size", at(a, "size"), 7)
		})

		t.Run("xml_answer", func(t *testing.T) {
			res := h.do("POST", uploadPath+"?name=a.txt", jenny, "abc", "Content-Type", "text/plain", "Accept", "application/xml")
			res.expect(t, 201, "")
			if !strings.Contains(string(res.Body), "<attachments><attachment><altId>") {
				t.Errorf("XML: %s", res.Body)
			}
		})

		t.Run("path_in_the_name_is_dropped", func(t *testing.T) {
			res := h.do("POST", uploadPath+"?name=..%2F..%2Fetc%2Fpasswd", jenny, "x", "Content-Type", "text/plain")
			res.expect(t, 201, "")
			rtWant(t, "name", atString(res.JSON(t), "attachment.0.name"), "passwd")
		})

		t.Run("refusals", func(t *testing.T) {
			h.do("POST", uploadPath, jenny, "hello", "Content-Type", "text/plain").expect(t, 400, "400-112")
			h.do("POST", uploadPath+"?name=x.txt", jenny, "", "Content-Type", "text/plain").expect(t, 400, "400-264")
			h.do("POST", uploadPath+"?name=x.txt&kind=1", jenny, "hello", "Content-Type", "text/plain").expect(t, 400, "400-101")
			h.do("POST", uploadPath+"?name=%01", jenny, "hello", "Content-Type", "text/plain").expect(t, 400, "400-102")
			h.do("POST", uploadPath+"?name=..", jenny, "hello", "Content-Type", "text/plain").expect(t, 400, "400-102")
			ct, body := rtMultipart("file", "a.png", "A", "note", "", "extra")
			h.do("POST", uploadPath, jenny, body, "Content-Type", ct).expect(t, 400, "400-104")
			ct, body = rtMultipart("file", "a.png", "A", "file2", "b.png", "B")
			h.do("POST", uploadPath, jenny, body, "Content-Type", ct).expect(t, 400, "400-104")
			ct, _ = rtMultipart()
			h.do("POST", uploadPath, jenny, "--rt-boundary-7MA4YWxkTrZu0gW--\r\n", "Content-Type", ct).expect(t, 400, "400-105")
			h.do("POST", uploadPath+"?name=x", jenny, "hello", "Content-Type", "multipart/form-data").expect(t, 400, "400-103")
			h.do("POST", uploadPath+"?name=x.txt", "", "hello", "Content-Type", "text/plain").expect(t, 401, "401-104")
		})

		t.Run("size_limit", func(t *testing.T) {
			h.srv.MaxAttachment = 8
			defer func() { h.srv.MaxAttachment = 0 }()
			h.do("POST", uploadPath+"?name=ok.bin", jenny, "12345678", "Content-Type", "application/octet-stream").expect(t, 201, "")
			res := h.do("POST", uploadPath+"?name=big.bin", jenny, "123456789", "Content-Type", "application/octet-stream")
			res.expect(t, 413, "413-101")
			if !strings.Contains(atString(res.JSON(t), "developerMessage"), "8") {
				t.Errorf("developerMessage does not name the limit: %s", res.Body)
			}
			ct, body := rtMultipart("file", "big.png", "123456789")
			h.do("POST", uploadPath, jenny, body, "Content-Type", ct).expect(t, 413, "413-101")
		})
	})
}

func TestActivityAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")
		notes := rtUpload(t, h, jenny, "notes.txt", "text/plain", "hello")
		pic := rtUpload(t, h, jenny, "pic.png", "image/png", "\x89PNG")
		legal := rtUpload(t, h, h.client(), "legal.txt", "text/plain", "secret")
		rtAttach(t, h, 3000, notes, pic)
		rtAttach(t, h, 3100, legal)

		t.Run("list", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3000/attachment", jenny, "")
			res.expect(t, 200, "")
			list, _ := res.JSON(t)["attachment"].([]any)
			rtWant(t, "count", len(list), 2)
			var found bool
			for _, a := range list {
				if atString(a, "id") == notes {
					found = true
					rtWant(t, "name", atString(a, "name"), "notes.txt")
					rtWant(t, "contentType", atString(a, "contentType"), "text/plain")
					rtWant(t, "size", at(a, "size"), 5)
					rtWant(t, "link", atString(a, "link.0.href"), "/core/casemgr/v3/activity/3000/attachment/"+notes)
				}
			}
			if !found {
				t.Errorf("notes.txt not listed: %s", res.Body)
			}
			res = h.do("GET", "/core/casemgr/v3/activity/3000/attachment", jenny, "", "Accept", "application/xml")
			res.expect(t, 200, "")
			if !strings.Contains(string(res.Body), "<attachments><attachment>") {
				t.Errorf("XML: %s", res.Body)
			}
		})

		t.Run("count_in_the_activity", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3000,3001?$attribute=attachments", jenny, "")
			res.expect(t, 200, "")
			rtWant(t, "3000", at(res.JSON(t), "activity.0.attachments.count"), 2)
			rtWant(t, "3001", at(res.JSON(t), "activity.1.attachments.count"), 0)
		})

		t.Run("none_is_204", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/3001/attachment", jenny, "").expect(t, 204, "")
		})

		t.Run("invisible_or_missing_activity_is_404", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/3100/attachment", jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/9999/attachment", jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/3100/attachment", h.client(), "").expect(t, 200, "")
			h.do("GET", "/core/casemgr/v3/activity/x/attachment", jenny, "").expect(t, 400, "400-108")
		})

		t.Run("download", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3000/attachment/"+notes, jenny, "")
			res.expect(t, 200, "")
			rtWant(t, "body", string(res.Body), "hello")
			rtWant(t, "Content-Type", res.Header.Get("Content-Type"), "text/plain")
			rtWant(t, "Content-Disposition", res.Header.Get("Content-Disposition"), "attachment; filename=notes.txt")
			rtWant(t, "nosniff", res.Header.Get("X-Content-Type-Options"), "nosniff")

			res = h.do("GET", "/core/casemgr/v3/activity/3000/attachment/"+pic, jenny, "", "Accept", "*/*")
			res.expect(t, 200, "")
			rtWant(t, "png", string(res.Body), "\x89PNG")
			rtWant(t, "Content-Type", res.Header.Get("Content-Type"), "image/png")
		})

		t.Run("download_refusals", func(t *testing.T) {
			// An attachment of another activity, an unknown one, a
			// malformed one, and one of an invisible activity.
			h.do("GET", "/core/casemgr/v3/activity/3001/attachment/"+notes, jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/3000/attachment/"+uuid.NewString(), jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/3000/attachment/not-a-uuid", jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/3100/attachment/"+legal, jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/3100/attachment/"+legal, h.client(), "").expect(t, 200, "")
			h.do("GET", "/core/casemgr/v3/activity/3000/attachment/"+notes+"?x=1", jenny, "").expect(t, 400, "400-101")
		})
	})
}

// TestAttachmentForCalltrack pins the whole flow: upload, name the altId
// when creating a calltrack activity, list and download it through the
// new activity.
func TestAttachmentForCalltrack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")
		alt := rtUpload(t, h, jenny, "call.txt", "text/plain", "transcript")
		res := h.do("POST", "/core/casemgr/v3/activity/calltrack", jenny, `{
			"department": {"name": "Service"},
			"type": {"value": "call_track", "subtype": {"value": "General"}},
			"mode": {"value": "Inbound"},
			"customer": {"id": "500"},
			"subject": "Call with a transcript",
			"attachments": {"attachment": [{"altId": "`+alt+`"}]}}`)
		res.expect(t, 201, "")
		loc := res.Header.Get("Location")
		res = h.do("GET", loc+"/attachment", jenny, "")
		res.expect(t, 200, "")
		rtWant(t, "attachment", atString(res.JSON(t), "attachment.0.id"), alt)
		res = h.do("GET", loc+"/attachment/"+alt, jenny, "")
		res.expect(t, 200, "")
		rtWant(t, "content", string(res.Body), "transcript")
		res = h.do("GET", loc+"?$attribute=all", jenny, "")
		res.expect(t, 200, "")
		rtWant(t, "count", at(res.JSON(t), "activity.0.attachments.count"), 1)
		rtWant(t, "type", atString(res.JSON(t), "activity.0.type.subtype.value"), "General")
	})
}

func TestUploadedAttachmentLocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")
		res := h.do("POST", uploadPath+"?name=notes.txt", jenny, "hello", "Content-Type", "text/plain")
		res.expect(t, 201, "")
		loc := res.Header.Get("Location")
		altID := atString(res.JSON(t), "attachment.0.altId")
		if loc != uploadPath+"/"+altID {
			t.Fatalf("Location %q, want %q", loc, uploadPath+"/"+altID)
		}
		t.Run("the_uploader_reads_it", func(t *testing.T) {
			got := h.do("GET", loc, jenny, "")
			got.expect(t, 200, "")
			if name := atString(got.JSON(t), "attachment.0.name"); name != "notes.txt" {
				t.Fatalf("name %q", name)
			}
		})
		t.Run("a_client_application_that_did_not_upload_it_gets_404", func(t *testing.T) {
			h.do("GET", loc, h.client(), "").expect(t, 404, "404-101")
		})
		t.Run("another_user_gets_404", func(t *testing.T) {
			h.do("GET", loc, h.login("frank"), "").expect(t, 404, "404-101")
		})
		t.Run("an_unknown_altId_is_404", func(t *testing.T) {
			h.do("GET", uploadPath+"/"+uuid.NewString(), jenny, "").expect(t, 404, "404-101")
		})
	})
}
