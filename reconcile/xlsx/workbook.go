package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"
)

// workbook is an open XLSX package read in place through the caller's io.ReaderAt: only the zip
// directory, the small workbook parts and the shared strings are read whole; sheets are streamed.
type workbook struct {
	parts    map[string]*zip.File // by lower-case name with "/" separators
	sheets   []sheetPart          // in workbook order
	date1904 bool
	sst      *sharedStrings
	maxUnzip int64 // also the most text a sheet's cells may take from the shared strings
}

type sheetPart struct {
	name   string
	path   string // the worksheet part, "" when the workbook names none that exists
	hidden bool   // state="hidden" or "veryHidden": Excel does not show it
}

// errNoWorkbook: the zip has no workbook part, so it is some other zip archive (a zipped CSV export,
// an OpenDocument file).
type errNoWorkbook struct{}

func (errNoWorkbook) Error() string {
	return "a zip archive that is not an XLSX workbook (it has no xl/workbook.xml); if it holds the export, unzip it"
}

// errUnzipLimit: the parts unzip to more than the limit.
type errUnzipLimit struct{}

func (errUnzipLimit) Error() string { return "unzip size exceeds the limit" }

// openWorkbook reads the package directory, refuses it when its parts declare more than maxUnzip
// bytes in all (checked before anything is inflated; archive/zip then refuses to inflate more than
// an entry declares), and reads the workbook's sheet list, date system and shared strings.
func openWorkbook(r io.ReaderAt, size, maxUnzip, maxXML int64, tmpDir string) (*workbook, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	wb := &workbook{parts: make(map[string]*zip.File, len(zr.File)), maxUnzip: maxUnzip}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > uint64(maxUnzip) || total > uint64(maxUnzip) {
			return nil, errUnzipLimit{}
		}
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if _, dup := wb.parts[name]; !dup {
			wb.parts[name] = f
		}
	}
	if err := wb.readSheetList(); err != nil {
		return nil, err
	}
	if f := wb.parts["xl/sharedstrings.xml"]; f != nil {
		if wb.sst, err = loadSharedStrings(f, int64(f.UncompressedSize64) > maxXML, tmpDir); err != nil {
			wb.close()
			return nil, fmt.Errorf("reading the shared strings: %w", err)
		}
	}
	return wb, nil
}

func (wb *workbook) close() { wb.sst.close() }

// The few elements and attributes read from the package's small XML parts.
type relationships struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type workbookXML struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name  string `xml:"name,attr"`
		State string `xml:"state,attr"`
		RID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		// Strict OOXML names the relationship namespace differently.
		StrictRID string `xml:"http://purl.oclc.org/ooxml/officeDocument/relationships id,attr"`
	} `xml:"sheets>sheet"`
}

// readSheetList finds the workbook part (through the package relationships, by default
// xl/workbook.xml), its sheets and where each one is, and the date system.
func (wb *workbook) readSheetList() error {
	wbPath := "xl/workbook.xml"
	var rels relationships
	if found, err := wb.readXML("_rels/.rels", &rels); err != nil {
		return err
	} else if found {
		for _, rel := range rels.Rels {
			if strings.HasSuffix(rel.Type, "/officeDocument") {
				wbPath = strings.TrimPrefix(rel.Target, "/")
				break
			}
		}
	}
	var book workbookXML
	if found, err := wb.readXML(wbPath, &book); err != nil {
		return err
	} else if !found {
		return errNoWorkbook{}
	}
	switch strings.ToLower(strings.TrimSpace(book.Pr.Date1904)) {
	case "1", "true":
		wb.date1904 = true
	}
	dir := path.Dir(wbPath)
	rels = relationships{}
	if _, err := wb.readXML(path.Join(dir, "_rels", path.Base(wbPath)+".rels"), &rels); err != nil {
		return err
	}
	targets := make(map[string]string, len(rels.Rels))
	for _, rel := range rels.Rels {
		target := strings.ReplaceAll(rel.Target, "\\", "/")
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target)[1:]
		} else {
			target = strings.TrimPrefix(path.Clean(dir+"/"+target), "/")
		}
		targets[rel.ID] = target
	}
	for _, s := range book.Sheets {
		rid := s.RID
		if rid == "" {
			rid = s.StrictRID
		}
		p := targets[rid]
		if wb.parts[strings.ToLower(p)] == nil {
			p = ""
		}
		hidden := s.State == "hidden" || s.State == "veryHidden"
		wb.sheets = append(wb.sheets, sheetPart{name: s.Name, path: p, hidden: hidden})
	}
	return nil
}

// readXML decodes a small part into v; found is false when the package has no such part.
func (wb *workbook) readXML(name string, v any) (found bool, err error) {
	f := wb.parts[strings.ToLower(name)]
	if f == nil {
		return false, nil
	}
	rc, err := f.Open()
	if err != nil {
		return true, fmt.Errorf("reading %s: %w", name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return true, fmt.Errorf("reading %s: %w", name, err)
	}
	return true, nil
}

// sheetNames lists the sheets in workbook order.
func (wb *workbook) sheetNames() []string {
	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		names[i] = s.name
	}
	return names
}

// openSheet starts reading a sheet's rows.
func (wb *workbook) openSheet(s sheetPart) (*sheetReader, error) {
	if s.path == "" {
		return nil, fmt.Errorf("the workbook has no worksheet part for sheet %q", s.name)
	}
	f := wb.parts[strings.ToLower(s.path)]
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	r, err := newSheetReader(rc, int64(f.UncompressedSize64), wb.sst)
	r.maxShared = wb.maxUnzip
	if err != nil {
		_ = rc.Close()
		return nil, err
	}
	return r, nil
}
