//! Token usage of a model call.

/// Tokens used by one model call.
///
/// `input_tokens` is the whole prompt, *including* cached tokens read and written,
/// as the GenAI conventions count it. Providers that report cached tokens apart
/// from the rest (Anthropic) are converted with [`Usage::from_anthropic`].
/// `output_tokens` includes `reasoning_tokens`, as OpenAI and Google count them.
/// Sums saturate at `u64::MAX`: a provider's absurd counts never panic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// All prompt tokens, cached or not.
    pub input_tokens: u64,
    /// All completion tokens, reasoning included.
    pub output_tokens: u64,
    /// Prompt tokens served from the provider's cache.
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the provider's cache.
    pub cache_creation_tokens: u64,
    /// Completion tokens spent on reasoning (part of `output_tokens`).
    pub reasoning_tokens: u64,
}

impl Usage {
    /// Usage with only input and output tokens.
    pub const fn new(input_tokens: u64, output_tokens: u64) -> Usage {
        Usage {
            input_tokens,
            output_tokens,
            cache_read_tokens: 0,
            cache_creation_tokens: 0,
            reasoning_tokens: 0,
        }
    }

    /// Sets the cached prompt tokens read (part of `input_tokens`).
    pub const fn with_cache_read(mut self, tokens: u64) -> Usage {
        self.cache_read_tokens = tokens;
        self
    }

    /// Sets the prompt tokens written to the cache (part of `input_tokens`).
    pub const fn with_cache_creation(mut self, tokens: u64) -> Usage {
        self.cache_creation_tokens = tokens;
        self
    }

    /// Sets the reasoning tokens (part of `output_tokens`).
    pub const fn with_reasoning(mut self, tokens: u64) -> Usage {
        self.reasoning_tokens = tokens;
        self
    }

    /// Converts Anthropic's report, whose `input_tokens` excludes cache reads and writes.
    pub const fn from_anthropic(
        input: u64,
        output: u64,
        cache_read: u64,
        cache_creation: u64,
    ) -> Usage {
        Usage {
            input_tokens: input
                .saturating_add(cache_read)
                .saturating_add(cache_creation),
            output_tokens: output,
            cache_read_tokens: cache_read,
            cache_creation_tokens: cache_creation,
            reasoning_tokens: 0,
        }
    }

    /// Input plus output tokens.
    pub const fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    /// Adds another call's usage to this one (for streamed deltas or totals).
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.cache_read_tokens = self
            .cache_read_tokens
            .saturating_add(other.cache_read_tokens);
        self.cache_creation_tokens = self
            .cache_creation_tokens
            .saturating_add(other.cache_creation_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(other.reasoning_tokens);
    }

    /// Prompt tokens neither read from nor written to the cache.
    pub const fn uncached_input_tokens(&self) -> u64 {
        self.input_tokens.saturating_sub(
            self.cache_read_tokens
                .saturating_add(self.cache_creation_tokens),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anthropic_input_includes_cache() {
        let u = Usage::from_anthropic(100, 20, 1000, 50);
        assert_eq!(u.input_tokens, 1150);
        assert_eq!(u.uncached_input_tokens(), 100);
        assert_eq!(u.total_tokens(), 1170);
    }

    #[test]
    fn absurd_counts_saturate_instead_of_panicking() {
        let mut u = Usage::from_anthropic(u64::MAX, u64::MAX, u64::MAX, 1);
        assert_eq!(u.input_tokens, u64::MAX);
        assert_eq!(u.total_tokens(), u64::MAX);
        assert_eq!(u.uncached_input_tokens(), 0);
        u.add(&Usage::new(1, 1).with_reasoning(u64::MAX));
        assert_eq!(u.reasoning_tokens, u64::MAX);
    }
}
