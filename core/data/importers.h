#pragma once
// Factories of the concrete importers (one .cpp each). The registry in importer.cpp lists them.

#include "core/data/importer.h"

namespace fopro::data {

std::unique_ptr<Importer> makeIsic2019Importer(); // isicimporter.cpp
std::unique_ptr<Importer> makeIsicLtImporter();   // isicltimporter.cpp
std::unique_ptr<Importer> makeHam10000Importer(); // ham10000importer.cpp
std::unique_ptr<Importer> makeIdxImporter();      // idximporter.cpp
std::unique_ptr<Importer> makeDicomImporter();    // dicomimporter.cpp
std::unique_ptr<Importer> makeCsvImporter();      // csvimporter.cpp
std::unique_ptr<Importer> makeFolderImporter();   // folderimporter.cpp

} // namespace fopro::data
