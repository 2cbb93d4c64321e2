package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// allTypes has one metadata entry of every supported value type.
func allTypes() []KV {
	return []KV{
		{"general.alignment", uint32(64)},
		{"u8", uint8(7)}, {"i8", int8(-7)}, {"u16", uint16(700)}, {"i16", int16(-700)},
		{"u32", uint32(70000)}, {"i32", int32(-70000)}, {"f32", float32(1.5)}, {"bool", true},
		{"str", "héllo"}, {"u64", uint64(1) << 40}, {"i64", int64(-1) << 40}, {"f64", 2.25},
		{"a.u8", []uint8{1, 2}}, {"a.i8", []int8{-1}}, {"a.u16", []uint16{3}}, {"a.i16", []int16{-3}},
		{"a.u32", []uint32{4, 5}}, {"a.i32", []int32{-4}}, {"a.f32", []float32{0.5, -0.25}},
		{"a.bool", []bool{true, false}}, {"a.str", []string{"a", "", "▁"}}, {"a.u64", []uint64{9}},
		{"a.i64", []int64{-9}}, {"a.f64", []float64{0.125}}, {"a.empty", []string{}},
	}
}

func TestRoundTrip(t *testing.T) {
	tensors := []Tensor{
		{Name: "a", Dims: []uint64{3}, Type: TensorF32, Data: f32Bytes([]float32{1, 2, 3})},
		{Name: "b", Dims: []uint64{2, 2}, Type: TensorF16, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{Name: "c", Dims: []uint64{1, 1, 1, 17}, Type: TensorF32, Data: f32Bytes(make([]float32, 17))},
	}
	var buf bytes.Buffer
	if err := Encode(&buf, allTypes(), tensors); err != nil {
		t.Fatal(err)
	}
	f, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 {
		t.Errorf("version %d", f.Version)
	}
	if !reflect.DeepEqual(f.Metadata, allTypes()) {
		t.Errorf("metadata:\n got %#v\nwant %#v", f.Metadata, allTypes())
	}
	if f.Alignment() != 64 || f.DataOffset%64 != 0 {
		t.Errorf("alignment %d, data offset %d", f.Alignment(), f.DataOffset)
	}
	wantOffsets := []uint64{0, 64, 128}
	for i, ti := range f.Tensors {
		if ti.Name != tensors[i].Name || !reflect.DeepEqual(ti.Dims, tensors[i].Dims) || ti.Type != tensors[i].Type {
			t.Errorf("tensor %d: got %+v, want %+v", i, ti, tensors[i])
		}
		if ti.Offset != wantOffsets[i] {
			t.Errorf("tensor %q: offset %d, want %d", ti.Name, ti.Offset, wantOffsets[i])
		}
		data, err := f.TensorData(bytes.NewReader(buf.Bytes()), ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, tensors[i].Data) {
			t.Errorf("tensor %q: data differs", ti.Name)
		}
	}
	// The last tensor is padded to the alignment too.
	if want := f.DataOffset + 128 + 128; uint64(buf.Len()) != want {
		t.Errorf("file is %d bytes, want %d", buf.Len(), want)
	}
}

func TestEncodeErrors(t *testing.T) {
	f32 := func(name string, n int) Tensor {
		return Tensor{Name: name, Dims: []uint64{uint64(n)}, Type: TensorF32, Data: make([]byte, 4*n)}
	}
	tests := []struct {
		name     string
		metadata []KV
		tensors  []Tensor
		want     string
	}{
		{"size mismatch", nil, []Tensor{{Name: "x", Dims: []uint64{2}, Type: TensorF32, Data: make([]byte, 4)}}, `"x": 4 bytes of data`},
		{"duplicate", nil, []Tensor{f32("x", 1), f32("x", 1)}, `duplicate tensor "x"`},
		{"bad type", []KV{{"k", struct{}{}}}, nil, `metadata "k": gguf: unsupported metadata value type struct {}`},
		{"alignment", []KV{{"general.alignment", uint32(48)}}, nil, "not a power of two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Encode(&bytes.Buffer{}, tt.metadata, tt.tensors)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// validFile is a small well-formed file for the decode tests and fuzz seeds.
func validFile(t testing.TB) []byte {
	var buf bytes.Buffer
	err := Encode(&buf, []KV{{"general.architecture", "llama"}, {"a", []int32{1, 2}}},
		[]Tensor{{Name: "w", Dims: []uint64{2}, Type: TensorF32, Data: make([]byte, 8)}})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeErrors(t *testing.T) {
	valid := validFile(t)
	patch := func(at int, b ...byte) []byte {
		out := bytes.Clone(valid)
		copy(out[at:], b)
		return out
	}
	// The tensor offset is the last 8 bytes of the header, just before the
	// padding to the data section.
	infoEnd := bytes.LastIndex(valid, []byte("w")) + 1 + 4 + 8 + 4
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "at byte 0: unexpected EOF"},
		{"magic", patch(0, 'G', 'G', 'M', 'L'), `magic "GGML"`},
		{"version", patch(4, 2), "version 2"},
		{"truncated", valid[:40], "unexpected EOF"},
		{"huge count", patch(8, 0xff, 0xff, 0xff, 0xff), "exceed the limit"},
		{"misaligned offset", patch(infoEnd, 4), "not a multiple of the alignment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v, want ErrFormat containing %q", err, tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	valid := validFile(f)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte("GGUF"))
	huge := bytes.Clone(valid)
	binary.LittleEndian.PutUint64(huge[24:], 1<<62) // first key length
	f.Add(huge)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever decodes must encode back to the same header.
		var buf bytes.Buffer
		tensors := make([]Tensor, 0, len(file.Tensors))
		for _, ti := range file.Tensors {
			tensors = append(tensors, Tensor{Name: ti.Name, Dims: ti.Dims, Type: ti.Type})
		}
		if err := Encode(&buf, file.Metadata, tensors); err != nil {
			return // e.g. sizes that no longer match without data
		}
		again, err := Decode(&buf)
		if err != nil {
			t.Fatalf("re-encoded header does not decode: %v", err)
		}
		if !reflect.DeepEqual(again.Metadata, file.Metadata) && !hasNaN(file.Metadata) {
			t.Fatalf("metadata changed on re-encode")
		}
	})
}

// hasNaN reports whether metadata holds a NaN, which DeepEqual never equates.
func hasNaN(md []KV) bool {
	for _, kv := range md {
		switch v := kv.Value.(type) {
		case float32:
			if v != v {
				return true
			}
		case float64:
			if v != v {
				return true
			}
		case []float32, []float64:
			return true
		}
	}
	return false
}
