package dashboard

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestWindow: the overview shows the first rows of every section and links to the section's own
// view; that view shows it page by page; another section's view shows none of it.
func TestWindow(t *testing.T) {
	all := make([]int, 1234)
	for i := range all {
		all[i] = i + 1
	}
	over := window(all, "exact", "", 0)
	assert.Len(t, over.Shown, overviewRows)
	assert.Equal(t, []int{1, overviewRows, 1234}, []int{over.First, over.Last, over.Total})
	assert.Equal(t, "?section=exact", over.All)

	for _, c := range []struct {
		page, first, last int
		prev, next        string
	}{
		{0, 1, 500, "", "?section=exact&page=2"},
		{1, 1, 500, "", "?section=exact&page=2"},
		{2, 501, 1000, "?section=exact&page=1", "?section=exact&page=3"},
		{3, 1001, 1234, "?section=exact&page=2", ""},
		{9, 1001, 1234, "?section=exact&page=2", ""}, // past the end: the last page
	} {
		w := window(all, "exact", "exact", c.page)
		assert.Equal(t, []int{c.first, c.last}, []int{w.First, w.Last}, "page %d", c.page)
		assert.Equal(t, c.first, w.Shown[0])
		assert.Equal(t, c.last, w.Shown[len(w.Shown)-1])
		assert.Equal(t, []string{c.prev, c.next, ""}, []string{w.Prev, w.Next, w.All}, "page %d", c.page)
	}

	assert.Empty(t, window(all, "exact", "fuzzy", 1).Shown)
	few := window(all[:3], "fuzzy", "", 0)
	assert.Equal(t, []int{1, 2, 3}, few.Shown)
	assert.Empty(t, few.All, "nothing left out")
	none := window([]int(nil), "fuzzy", "fuzzy", 1)
	assert.Empty(t, none.Shown)
	assert.Equal(t, []string{"", ""}, []string{none.Prev, none.Next})
}
