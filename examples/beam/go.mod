module github.com/villagecx/village/examples/beam

go 1.26.0

require github.com/villagecx/village v0.0.0

require github.com/apache/beam/sdks/v2 v2.77.0 // indirect

replace github.com/villagecx/village => ../..
