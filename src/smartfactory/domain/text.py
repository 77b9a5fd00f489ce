"""Text shown to people in both of smartfactory's languages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LocalizedText"]


class LocalizedText(BaseModel):
    """A display name in English and Korean; Korean falls back to English when absent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str = Field(min_length=1, description="English text.")
    ko: str | None = Field(default=None, description="Korean text (한국어).")

    def get(self, language: str) -> str:
        """The text in ``language`` (``en`` or ``ko``)."""
        if language == "ko" and self.ko:
            return self.ko
        return self.en
