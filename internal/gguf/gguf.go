// Package gguf writes and reads GGUF v3 files (the model format of ggml,
// llama.cpp and Ollama) and generates small llama-architecture models with
// random weights.
//
// It exists so that the end-to-end tests can run a real inference engine on a
// machine where no model weights can be downloaded: the generated model is
// tiny, deterministic from a seed, and shaped so that every request runs to
// exactly its max_tokens (see Llama). The format follows ggml's docs/gguf.md:
//
//	header:   magic "GGUF", version uint32, tensor count uint64, metadata count uint64
//	metadata: key (string), value type (uint32), value
//	tensors:  name (string), n_dims uint32, dims uint64[n_dims], ggml type uint32,
//	          offset uint64 (relative to the data section, a multiple of the alignment)
//	padding to general.alignment, then the tensor data, each tensor padded likewise
//
// Strings are a uint64 byte length followed by the bytes; everything is
// little-endian.
package gguf

import "fmt"

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// Version is the GGUF version this package writes; the reader accepts only it.
const Version uint32 = 3

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// ValueType is the on-disk type tag of a metadata value.
type ValueType uint32

// Metadata value types, numbered as in gguf.md.
const (
	TypeUint8 ValueType = iota
	TypeInt8
	TypeUint16
	TypeInt16
	TypeUint32
	TypeInt32
	TypeFloat32
	TypeBool
	TypeString
	TypeArray
	TypeUint64
	TypeInt64
	TypeFloat64
)

// TensorType is a ggml tensor element type. Only F32 is generated; the
// reader records any type but can size only the ones listed here.
type TensorType uint32

// Tensor types with a fixed element size.
const (
	TensorF32 TensorType = 0
	TensorF16 TensorType = 1
)

// elementSize is the size in bytes of one element, or 0 when unknown (block
// quantised types have no per-element size).
func (t TensorType) elementSize() uint64 {
	switch t {
	case TensorF32:
		return 4
	case TensorF16:
		return 2
	}
	return 0
}

// KV is one metadata entry. Value holds one of the Go types uint8, int8,
// uint16, int16, uint32, int32, float32, bool, string, uint64, int64, float64,
// or a slice of one of them (a GGUF array). Nested arrays are not supported.
type KV struct {
	Key   string
	Value any
}

// Tensor is one tensor to write. Dims are in ggml order: Dims[0] is the
// fastest-varying (contiguous) dimension, so a linear layer y = W x with x of
// length in and y of length out has Dims {in, out} and Data holds out rows of
// in elements each.
type Tensor struct {
	Name string
	Dims []uint64
	Type TensorType
	Data []byte
}

// TensorInfo describes a tensor as read from a file header.
type TensorInfo struct {
	Name string
	Dims []uint64
	Type TensorType
	// Offset is relative to the start of the data section.
	Offset uint64
}

// Elements is the number of elements (the product of the dims).
func (t TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Size is the tensor's data size in bytes, or 0 for a type of unknown size.
func (t TensorInfo) Size() uint64 {
	return t.Elements() * t.Type.elementSize()
}

// File is a decoded GGUF header: metadata and tensor layout, not tensor data.
type File struct {
	Version  uint32
	Metadata []KV
	Tensors  []TensorInfo
	// DataOffset is the absolute file offset of the data section.
	DataOffset uint64
}

// Lookup returns the metadata value for key.
func (f *File) Lookup(key string) (any, bool) {
	for _, kv := range f.Metadata {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// Alignment is general.alignment, or DefaultAlignment when absent.
func (f *File) Alignment() uint64 {
	if v, ok := f.Lookup("general.alignment"); ok {
		if a, ok := v.(uint32); ok && a > 0 {
			return uint64(a)
		}
	}
	return DefaultAlignment
}

// alignUp rounds n up to a multiple of a.
func alignUp(n, a uint64) uint64 {
	return (n + a - 1) / a * a
}

// valueType maps a Go value to its GGUF type tag, and for slices also the
// element type.
func valueType(v any) (t, elem ValueType, err error) {
	switch v.(type) {
	case uint8:
		return TypeUint8, 0, nil
	case int8:
		return TypeInt8, 0, nil
	case uint16:
		return TypeUint16, 0, nil
	case int16:
		return TypeInt16, 0, nil
	case uint32:
		return TypeUint32, 0, nil
	case int32:
		return TypeInt32, 0, nil
	case float32:
		return TypeFloat32, 0, nil
	case bool:
		return TypeBool, 0, nil
	case string:
		return TypeString, 0, nil
	case uint64:
		return TypeUint64, 0, nil
	case int64:
		return TypeInt64, 0, nil
	case float64:
		return TypeFloat64, 0, nil
	case []uint8:
		return TypeArray, TypeUint8, nil
	case []int8:
		return TypeArray, TypeInt8, nil
	case []uint16:
		return TypeArray, TypeUint16, nil
	case []int16:
		return TypeArray, TypeInt16, nil
	case []uint32:
		return TypeArray, TypeUint32, nil
	case []int32:
		return TypeArray, TypeInt32, nil
	case []float32:
		return TypeArray, TypeFloat32, nil
	case []bool:
		return TypeArray, TypeBool, nil
	case []string:
		return TypeArray, TypeString, nil
	case []uint64:
		return TypeArray, TypeUint64, nil
	case []int64:
		return TypeArray, TypeInt64, nil
	case []float64:
		return TypeArray, TypeFloat64, nil
	}
	return 0, 0, fmt.Errorf("gguf: unsupported metadata value type %T", v)
}
