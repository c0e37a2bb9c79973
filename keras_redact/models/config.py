"""`get_config` / `from_config` for models whose config is exactly their constructor args."""

from __future__ import annotations


class ConstructorConfig:
    """Mixin: `get_config` returns the constructor arguments named in `config_keys`.

    Subclasses store each argument under the same attribute name; `from_config` is then
    `cls(**config)`, as keras-hub's models do.
    """

    config_keys: tuple[str, ...] = ()

    def get_config(self):
        config = {}
        for key in self.config_keys:
            value = getattr(self, key)
            config[key] = list(value) if isinstance(value, tuple) else value
        config.update(name=self.name, trainable=self.trainable)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
