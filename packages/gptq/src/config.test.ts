import { describe, expect, it } from 'vitest';
import { defaultGptqConfig, type GptqConfigInput, gptqConfig } from './config';
import { expectLowbitError } from './test-helpers';

describe('gptqConfig', () => {
  it('fills the reference defaults', () => {
    expect(defaultGptqConfig()).toEqual({
      bits: 4,
      groupSize: 128,
      symmetric: false,
      actOrder: false,
      staticGroups: false,
      blockSize: 128,
      percdamp: 0.01,
      trueSequential: true,
      includeOuter: false,
      mseSearch: false,
    });
    expect(gptqConfig({ bits: 3, groupSize: 'channel', actOrder: true, blockSize: undefined })).toMatchObject(
      {
        bits: 3,
        groupSize: 'channel',
        actOrder: true,
        blockSize: 128,
      },
    );
    expect(Object.isFrozen(gptqConfig())).toBe(true);
  });

  it.each<[GptqConfigInput, RegExp[]]>([
    [{ bits: 1 }, [/bits is 1/, /2 to 8/]],
    [{ bits: 9 }, [/bits is 9/]],
    [{ bits: 4.5 }, [/bits is 4.5/]],
    [{ groupSize: 0 }, [/groupSize is 0/, /'channel'/]],
    [{ groupSize: -32 }, [/groupSize is -32/]],
    [{ groupSize: 'row' as 'channel' }, [/groupSize is row/]],
    [{ blockSize: 0 }, [/blockSize is 0/, /128/]],
    [{ blockSize: 2.5 }, [/blockSize is 2.5/]],
    [{ percdamp: 0 }, [/percdamp is 0/, /0.01/]],
    [{ percdamp: -0.1 }, [/percdamp is -0.1/]],
    [{ percdamp: 2 }, [/percdamp is 2/]],
    [{ percdamp: Number.NaN }, [/percdamp is NaN/]],
    [{ actOrder: 'yes' as unknown as boolean }, [/actOrder is yes/, /true or false/]],
    [{ trueSequential: 1 as unknown as boolean }, [/trueSequential is 1/]],
    [{ staticGroups: true, groupSize: 'channel' }, [/staticGroups needs groups/, /groupSize/]],
    [{ bit: 4 } as GptqConfigInput, [/"bit" is unknown/, /bits/]],
  ])('rejects %o with a message naming the fix', (input, patterns) => {
    expectLowbitError(() => gptqConfig(input), 'BAD_ARGS', ...patterns);
  });
});
