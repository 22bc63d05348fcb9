
-- an ephemeral model nobody refers to: compiled on its own, never injected
select 1 as one