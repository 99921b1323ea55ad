"""Sample organisation files (package data): ``semnan.org`` describes Semnan province."""
